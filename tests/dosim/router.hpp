// The route table: exactly the operations of API.md's subset, each named by the spec's path
// template so the same name finds its schema. Literal segments win over parameters
// (/v2/databases/options before /v2/databases/{database_cluster_uuid}).
#pragma once

#include "handlers.hpp"

#include <map>
#include <string>
#include <vector>

namespace fp::dosim {

struct Route {
  std::string method;
  std::string path_template;
  Handler handler;
};

struct RouteMatch {
  const Route* route = nullptr;              // nullptr: no operation for this method and path
  bool path_known = false;                   // some other method serves this path (405)
  std::map<std::string, std::string> params; // template parameters, percent-decoded
};

const std::vector<Route>& routes();
RouteMatch match_route(const std::string& method, const std::string& path);

} // namespace fp::dosim
