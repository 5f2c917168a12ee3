// `bannin fields`: prints the field registry (schema/events.yaml) that decoders fill and
// rules name, as text or JSON.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>
#include <bannin/model/fields.h>

namespace bannin::cli {

void add_fields_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("fields", "List the event kinds and fields bannin knows");
  auto format = std::make_shared<std::string>("text");
  cmd->add_option("--format", *format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->callback([format, &exit_code] {
    using namespace bannin::model;
    std::string out;
    if (*format == "json") {
      out += "{\"version\":" + std::to_string(kSchemaVersion) + ",\"fields\":[";
      for (std::size_t i = 0; i < kFieldCount; ++i) {
        if (i) out += ',';
        core::JsonObjectWriter o(out);
        o.string("name", kFieldInfo[i].name);
        o.string("type", field_type_name(kFieldInfo[i].type));
        o.string("description", kFieldInfo[i].description);
        o.close();
      }
      out += "],\"kinds\":[";
      for (std::size_t i = 0; i < kKindCount; ++i) {
        if (i) out += ',';
        core::JsonObjectWriter o(out);
        o.string("name", kKindInfo[i].name);
        o.string("description", kKindInfo[i].description);
        o.key("fields");
        out += '[';
        bool first = true;
        for (Field f : kKindInfo[i].fields) {
          if (!first) out += ',';
          first = false;
          core::json_append_string(out, name(f));
        }
        out += ']';
        o.close();
      }
      out += "]}\n";
    } else {
      out += "Fields (schema version " + std::to_string(kSchemaVersion) + "):\n";
      for (const FieldInfo& f : kFieldInfo) {
        char line[512];
        std::snprintf(line, sizeof line, "  %-18.*s %-9.*s %.*s\n", static_cast<int>(f.name.size()),
                      f.name.data(), static_cast<int>(field_type_name(f.type).size()),
                      field_type_name(f.type).data(), static_cast<int>(f.description.size()),
                      f.description.data());
        out += line;
      }
      out += "\nEvent kinds:\n";
      for (const KindInfo& k : kKindInfo) {
        out += "  ";
        out += k.name;
        out += ": ";
        out += k.description;
        out += "\n    ";
        bool first = true;
        for (Field f : k.fields) {
          if (!first) out += ", ";
          first = false;
          out += name(f);
        }
        out += '\n';
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    exit_code = 0;
  });
}

}  // namespace bannin::cli
