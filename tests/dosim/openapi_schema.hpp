// OpenAPI 3.0 schema objects are not JSON Schema: this turns one into a JSON Schema (draft 4) that
// means the same thing for one direction of traffic.
//   nullable: true     -> "null" added to type (or to enum); without a type, anyOf [schema, null]
//   readOnly/writeOnly -> such properties are not required in requests / responses respectively
//                         (OpenAPI 3.0 §4.7.25.4), and the keywords themselves are dropped
//   format             -> kept only for date-time on strings (a nullable one becomes anyOf [schema, null]
//                         because the validator checks formats on any value); int32/int64/uuid/... are annotations
//                         in OpenAPI, and the validator's format checks assume strings
//   discriminator, xml, externalDocs, deprecated, example(s) -> dropped (annotations)
#pragma once

#include <nlohmann/json.hpp>

namespace fp::dosim {

enum class Direction { request, response };

nlohmann::json to_json_schema(const nlohmann::json& openapi_schema, Direction direction);

} // namespace fp::dosim
