#include "order_json.hpp"

#include <gtest/gtest.h>

using namespace fp::server;

namespace {

std::string escaped(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

} // namespace

// Expected strings are what Python 3's json.dumps(s) (ensure_ascii=True, Flask's jsonify) prints.
TEST(JsonString, EscapesAsPythonDoes) {
  EXPECT_EQ(escaped("plain"), R"("plain")");
  EXPECT_EQ(escaped("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(escaped("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(escaped(std::string("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(escaped(std::string("nul\0x", 5)), R"("nul\u0000x")");
  EXPECT_EQ(escaped("Caf\xc3\xa9"), R"("Caf\u00e9")");
  EXPECT_EQ(escaped("\xe2\x98\x95"), R"("\u2615")");
  EXPECT_EQ(escaped("\xf0\x9f\x98\x80"), R"("\ud83d\ude00")");
}

TEST(JsonString, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(escaped("a\xff" "b"), R"("a\ufffdb")");
  EXPECT_EQ(escaped("\xe2\x98"), R"("\ufffd\ufffd")");
}

TEST(OrderJson, KeysSortedCompact) {
  std::string out;
  append_order_json(out, Order{"6b09538f5a6edf793d35f38a", "Laptop", 2, "Budi", "Jl. 1"});
  EXPECT_EQ(out, R"({"_id":"6b09538f5a6edf793d35f38a","customer_address":"Jl. 1","customer_name":"Budi",)"
                 R"("product":"Laptop","quantity":2})");
}

TEST(ParseNewOrder, AcceptsAValidOrderAndIgnoresExtraFields) {
  auto order = parse_new_order(
    R"({"product":"Laptop","quantity":3,"customer_name":"Budi","customer_address":"Jl. 1","extra":[1]})");
  ASSERT_TRUE(order) << order.error();
  EXPECT_EQ(order->product, "Laptop");
  EXPECT_EQ(order->quantity, 3);
  EXPECT_EQ(order->customer_name, "Budi");
  EXPECT_EQ(order->customer_address, "Jl. 1");
}

TEST(ParseNewOrder, NamesTheFirstMissingField) {
  EXPECT_EQ(parse_new_order(R"({"quantity":1,"customer_name":"a","customer_address":"b"})").error(),
            "Missing field: product");
  EXPECT_EQ(parse_new_order(R"({"product":"p","quantity":1,"customer_address":"b"})").error(),
            "Missing field: customer_name");
}

TEST(ParseNewOrder, RefusesWhatIsNotAnObject) {
  for (const char* body : {"", "nope", "[1,2]", "\"text\"", "42", "null", "{\"product\":", "{}x"}) {
    auto order = parse_new_order(body);
    ASSERT_FALSE(order) << body;
    EXPECT_EQ(order.error(), "Request body must be a JSON object") << body;
  }
}

TEST(ParseNewOrder, QuantityMustBeAPositiveInteger) {
  for (const char* q : {"0", "-1", "1.5", "2.0", "1e3", "\"2\"", "true", "null", "[]", "9223372036854775808",
                        "1e30"}) {
    const std::string body = std::string(R"({"product":"p","customer_name":"a","customer_address":"b","quantity":)") +
                             q + "}";
    auto order = parse_new_order(body);
    ASSERT_FALSE(order) << q;
    EXPECT_EQ(order.error(), "Invalid field: quantity must be a positive integer") << q;
  }
  auto big = parse_new_order(R"({"product":"p","customer_name":"a","customer_address":"b","quantity":9223372036854775807})");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->quantity, 9223372036854775807LL);
}

TEST(ParseNewOrder, TextFieldsMustBeShortNonEmptyStrings) {
  const auto with_product = [](const std::string& value) {
    return parse_new_order(R"({"quantity":1,"customer_name":"a","customer_address":"b","product":)" + value + "}");
  };
  EXPECT_EQ(with_product("\"\"").error(), "Invalid field: product must be a non-empty string");
  EXPECT_EQ(with_product("5").error(), "Invalid field: product must be a non-empty string");
  EXPECT_EQ(with_product("null").error(), "Invalid field: product must be a non-empty string");
  EXPECT_EQ(with_product("\"" + std::string(1001, 'x') + "\"").error(),
            "Invalid field: product must be at most 1000 bytes");
  EXPECT_TRUE(with_product("\"" + std::string(1000, 'x') + "\""));
  EXPECT_EQ(with_product(R"("a\u0000b")").error(), "Invalid field: product must not contain NUL characters");
  // 500 two-byte characters are exactly 1000 bytes.
  std::string two_byte;
  for (int i = 0; i < 500; ++i) two_byte += "\xc3\xa9";
  EXPECT_TRUE(with_product("\"" + two_byte + "\""));
  EXPECT_FALSE(with_product("\"" + two_byte + "x\""));
}

TEST(ParseOrderPatch, KeepsOnlyTheGivenFields) {
  auto patch = parse_order_patch(R"({"quantity":7,"unknown":1})");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->quantity, 7);
  EXPECT_FALSE(patch->product);
  EXPECT_FALSE(patch->customer_name);
  EXPECT_FALSE(patch->customer_address);
}

TEST(ParseOrderPatch, RefusesNoKnownFieldAndBadValues) {
  EXPECT_EQ(parse_order_patch(R"({"unknown":1})").error(),
            "No field to update: give at least one of product, quantity, customer_name, customer_address");
  EXPECT_EQ(parse_order_patch("{}").error(),
            "No field to update: give at least one of product, quantity, customer_name, customer_address");
  EXPECT_EQ(parse_order_patch(R"({"customer_name":""})").error(),
            "Invalid field: customer_name must be a non-empty string");
  EXPECT_EQ(parse_order_patch(R"({"quantity":null})").error(), "Invalid field: quantity must be a positive integer");
  EXPECT_EQ(parse_order_patch("[]").error(), "Request body must be a JSON object");
}
