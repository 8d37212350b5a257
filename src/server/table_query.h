// The models table's query string, shared by GET /api/v1/models and the web app's table so both
// accept the same filters: status, hub_flag, license_risk (each repeatable and/or
// comma-separated), missed_by_hub (true|false), project, q, sort (downloads | last_audit |
// status | id), order (asc | desc; default desc, asc for id), limit and offset (the web app also
// takes page, 1-based). Empty values filter nothing; unknown parameters are ignored; a bad
// value is an error naming the parameter and what it accepts.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "audit/model_view.h"
#include "core/result.h"
#include "server/html.h"

namespace mv::server {

using Params = std::multimap<std::string, std::string>;

Result<audit::ModelListQuery> ParseTableQuery(const Params& params, uint64_t default_limit);

// The order a sort gets when `order` is not given.
bool DefaultDescending(audit::ModelSort sort);

// Appends the query's filters, and its sort and order when not the default, to url (not limit
// or offset): the links of the table's headers, filters and pages.
void AppendFilters(const audit::ModelListQuery& q, html::Url& url);
void AppendSort(const audit::ModelListQuery& q, html::Url& url);

}  // namespace mv::server
