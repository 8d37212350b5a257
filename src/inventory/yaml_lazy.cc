// libyaml, opened on first use (core/lazy_lib.h): only `modelvet inventory` reads YAML
// configurations, so scanning does not load it.
//
// When libyaml cannot be loaded, yaml_parser_initialize fails, which config_yaml.cc reports as
// an error for the file.
#include <yaml.h>

#include "core/lazy_lib.h"

#define YAML_FN(ret, name, params, args, fallback) \
  MV_LAZY_FN(MV_YAML_SONAME, ret, name, params, args, fallback)

YAML_FN(int, yaml_parser_initialize, (yaml_parser_t * parser), (parser), 0)
YAML_FN(void, yaml_parser_delete, (yaml_parser_t * parser), (parser), void())
YAML_FN(void, yaml_parser_set_input_string,
        (yaml_parser_t * parser, const unsigned char* input, size_t size), (parser, input, size),
        void())
YAML_FN(int, yaml_parser_parse, (yaml_parser_t * parser, yaml_event_t* event), (parser, event), 0)
YAML_FN(void, yaml_event_delete, (yaml_event_t * event), (event), void())
