// What main.cc and handoff.cc read from the command line before CLI11 parses it: the global
// options that take a value, and the subcommand the line names.
#pragma once

#include <optional>
#include <string_view>

namespace mv::cli {

// The global options that take a value (main.cc registers them under these names, so the scan
// below and the parser agree by construction). The other global options take none.
inline constexpr std::string_view kRulesOption = "--rules";
inline constexpr std::string_view kTrustModuleOption = "--trust-module";
inline constexpr std::string_view kDbOption = "--db";
inline constexpr std::string_view kGlobalsWithValue[] = {kRulesOption, kTrustModuleOption,
                                                         kDbOption};

// The subcommand of the command line: its first argument that is neither an option nor a
// global option's value. nullopt when there is none (`--` ends the search), or when --help,
// -h or --version comes first: then the caller wants every subcommand listed.
std::optional<std::string_view> NamedSubcommand(int argc, char** argv);

// True when the command line is `--version` alone: no subcommand needs registering.
bool AsksOnlyForVersion(int argc, char** argv);

}  // namespace mv::cli
