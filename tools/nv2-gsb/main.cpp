// nv2-gsb: decode, encode, validate Guest State Buffers and list the element table.
//
//   nv2-gsb decode   [FILE|-] [--hex] [--json]
//   nv2-gsb encode   [FILE|-] [--hex]
//   nv2-gsb validate [FILE|-] [--hex] [--scope guest|thread|host] [--for set|get|run-input|run-output]
//   nv2-gsb ids      [--json]
//
// Exit status: 0 success (a valid buffer for validate), 1 invalid input or buffer, 2 usage.
// A thin shell over gsb/ and format.hpp; errors are turned into one message here.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "format.hpp"
#include "gsb/buffer.hpp"

namespace {

using namespace nv2;
using namespace nv2::gsb_tool;

constexpr int kOk = 0;
constexpr int kInvalid = 1;
constexpr int kUsage = 2;

// The one place an error becomes a message and an exit status.
int fail(const std::string& message) {
  std::cerr << "nv2-gsb: error: " << message << "\n";
  return kInvalid;
}

Expected<std::string, std::string> read_input(const std::string& path) {
  if (path == "-") {
    std::string s((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return s;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return Unexpected{"cannot open '" + path + "'"};
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return s;
}

Expected<Bytes, std::string> read_buffer(const std::string& path, bool hex) {
  auto text = read_input(path);
  if (!text) return Unexpected{text.error()};
  if (hex) return parse_hex(*text);
  return Bytes(text->begin(), text->end());
}

struct Options {
  std::string file = "-";
  bool hex = false;
  bool json = false;
  gsb::Scope scope = gsb::Scope::Thread;
  gsb::Purpose purpose = gsb::Purpose::Set;
};

int cmd_decode(const Options& o) {
  auto buf = read_buffer(o.file, o.hex);
  if (!buf) return fail(buf.error());
  gsb::Reader r;
  const gsb::Policy policy = gsb::Policy::structure();
  if (auto st = r.parse(*buf, policy); !st) return fail(describe(st.error(), *buf, policy));
  if (o.json) std::cout << to_json(r).dump(2) << "\n";
  else std::cout << to_table(r);
  // The reader ignores bytes after the last element (a buffer size is a capacity); say so.
  if (!o.json && buf->size() > r.size())
    std::cout << "(" << buf->size() - r.size() << " bytes after the last element ignored)\n";
  return kOk;
}

int cmd_encode(const Options& o) {
  auto text = read_input(o.file);
  if (!text) return fail(text.error());
  Json j;
  try {
    j = Json::parse(*text);
  } catch (const Json::parse_error& e) {
    return fail("JSON input at byte offset " + std::to_string(e.byte) + ": " + e.what());
  }
  auto bytes = from_json(j);
  if (!bytes) return fail(bytes.error());
  if (o.hex) {
    gsb::Reader r;
    if (auto st = r.parse(*bytes, gsb::Policy::structure()); !st) return fail("internal: encoded buffer does not parse");
    std::cout << to_hex(r);
  } else {
    std::cout.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
  }
  return kOk;
}

int cmd_validate(const Options& o) {
  auto buf = read_buffer(o.file, o.hex);
  if (!buf) return fail(buf.error());
  gsb::Policy policy{o.purpose, o.scope, true, false};
  gsb::Reader r;
  if (auto st = r.parse(*buf, policy); !st) {
    std::cout << "invalid: " << describe(st.error(), *buf, policy) << "\n";
    return kInvalid;
  }
  std::cout << "valid: " << r.count() << " elements, " << r.size() << " bytes\n";
  return kOk;
}

int cmd_ids(const Options& o) {
  if (o.json) std::cout << ids_json().dump(2) << "\n";
  else std::cout << ids_table();
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nv2-gsb: decode, encode and validate PAPR nestedv2 Guest State Buffers"};
  app.require_subcommand(1);
  Options o;

  // The subcommand table: name, description, options, handler.
  auto* decode = app.add_subcommand("decode", "Print a buffer as a table or JSON");
  decode->add_option("file", o.file, "Input file (binary, or hex with --hex); - for stdin");
  decode->add_flag("--hex", o.hex, "Input is hex text");
  decode->add_flag("--json", o.json, "Print JSON instead of a table");

  auto* encode = app.add_subcommand("encode", "Turn decode's JSON into a buffer");
  encode->add_option("file", o.file, "JSON input file; - for stdin");
  encode->add_flag("--hex", o.hex, "Write hex text instead of binary");

  // Scope and purpose by name; the names are the CLI's, mapped to the codec's enums below.
  const std::map<std::string, gsb::Scope> scopes = {
      {"guest", gsb::Scope::Guest}, {"thread", gsb::Scope::Thread}, {"host", gsb::Scope::Host}};
  const std::map<std::string, gsb::Purpose> purposes = {{"set", gsb::Purpose::Set},
                                                        {"get", gsb::Purpose::Get},
                                                        {"run-input", gsb::Purpose::RunInput},
                                                        {"run-output", gsb::Purpose::RunOutput}};
  std::string scope_arg = "thread";
  std::string purpose_arg = "set";
  auto* validate = app.add_subcommand("validate", "Check a buffer as the L0 would; exit 1 if invalid");
  validate->add_option("file", o.file, "Input file (binary, or hex with --hex); - for stdin");
  validate->add_flag("--hex", o.hex, "Input is hex text");
  validate->add_option("--scope", scope_arg, "Scope of the call: guest, thread or host")
      ->check(CLI::IsMember({"guest", "thread", "host"}))
      ->capture_default_str();
  validate->add_option("--for", purpose_arg, "The hcall: set, get, run-input or run-output")
      ->check(CLI::IsMember({"set", "get", "run-input", "run-output"}))
      ->capture_default_str();

  auto* ids = app.add_subcommand("ids", "Print the element table");
  ids->add_flag("--json", o.json, "Print JSON instead of a table");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  }

  o.scope = scopes.at(scope_arg);
  o.purpose = purposes.at(purpose_arg);
  if (*decode) return cmd_decode(o);
  if (*encode) return cmd_encode(o);
  if (*validate) return cmd_validate(o);
  if (*ids) return cmd_ids(o);
  return kUsage;
}
