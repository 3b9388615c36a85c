#include "openapi_schema.hpp"

namespace fp::dosim {
namespace {

using nlohmann::json;

bool flag(const json& schema, const char* key) {
  return schema.is_object() && schema.contains(key) && schema[key].is_boolean() && schema[key].get<bool>();
}

} // namespace

json to_json_schema(const json& in, Direction direction) {
  if (!in.is_object()) return in;
  json out = json::object();
  for (const auto& [key, value] : in.items()) {
    if (key == "properties" && value.is_object()) {
      json properties = json::object();
      for (const auto& [name, schema] : value.items()) properties[name] = to_json_schema(schema, direction);
      out[key] = properties;
    } else if ((key == "allOf" || key == "anyOf" || key == "oneOf") && value.is_array()) {
      json list = json::array();
      for (const auto& schema : value) list.push_back(to_json_schema(schema, direction));
      out[key] = list;
    } else if ((key == "items" || key == "not" || key == "additionalProperties") && value.is_object()) {
      out[key] = to_json_schema(value, direction);
    } else if (key == "format") {
      if (value == "date-time" && in.value("type", json()) == "string") out[key] = value;
    } else if (key == "readOnly" || key == "writeOnly" || key == "nullable" || key == "discriminator" || key == "xml" ||
               key == "externalDocs" || key == "deprecated" || key == "example" || key == "examples") {
      // annotations (nullable is handled below)
    } else {
      out[key] = value;
    }
  }

  if (out.contains("required") && out["required"].is_array() && in.contains("properties")) {
    const char* hidden = direction == Direction::request ? "readOnly" : "writeOnly";
    json required = json::array();
    for (const auto& name : out["required"]) {
      const auto& properties = in["properties"];
      if (name.is_string() && properties.contains(name.get<std::string>()) &&
          flag(properties[name.get<std::string>()], hidden)) {
        continue;
      }
      required.push_back(name);
    }
    out["required"] = required;
  }

  if (flag(in, "nullable")) {
    if (out.contains("enum") && out["enum"].is_array()) out["enum"].push_back(nullptr);
    // valijson checks "format" on any value, so a nullable date-time becomes anyOf [null, string].
    if (out.contains("type") && out["type"].is_string() && !out.contains("format")) {
      out["type"] = json::array({out["type"], "null"});
    } else if (!out.contains("type") || out.contains("format")) {
      return json{{"anyOf", json::array({out, json{{"type", "null"}}})}};
    }
  }
  return out;
}

} // namespace fp::dosim
