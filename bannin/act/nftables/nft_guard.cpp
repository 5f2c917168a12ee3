#include <nftables/libnftables.h>

#include <bannin/act/nftables/nft_guard.h>
#include <bannin/act/nftables/nft_netlink.h>
#include <bannin/act/nftables/nft_plan.h>

namespace bannin::act {
namespace {

std::string first_error(std::string_view text) {
  std::size_t pos = text.find("Error: ");
  std::string_view line = pos == std::string_view::npos ? text : text.substr(pos + 7);
  line = line.substr(0, line.find('\n'));
  std::string out(line.substr(0, 300));
  if (out.empty()) out = "nft refused the command (no message)";
  return out;
}

}  // namespace

core::Result<std::unique_ptr<NftGuard>> NftGuard::create() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) return core::make_error("nft_context", "libnftables: no context");
  if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
    nft_ctx_free(ctx);
    return core::make_error("nft_context", "libnftables: could not buffer output");
  }
  return std::unique_ptr<NftGuard>(new NftGuard(ctx));
}

NftGuard::NftGuard(nft_ctx* ctx) : ctx_(ctx) {
  if (auto n = nft::NftNetlink::open(); n) {
    netlink_ = std::make_unique<nft::NftNetlink>(std::move(*n));
  }
}

NftGuard::~NftGuard() {
  if (ctx_ != nullptr) nft_ctx_free(ctx_);
}

core::Result<std::string> NftGuard::run(const std::string& commands, bool json) {
  nft_ctx_output_set_flags(ctx_, json ? static_cast<unsigned>(NFT_CTX_OUTPUT_JSON) : 0U);
  const int rc = nft_run_cmd_from_buffer(ctx_, commands.c_str());
  std::string out;
  if (const char* o = nft_ctx_get_output_buffer(ctx_)) out = o;
  std::string err;
  if (const char* e = nft_ctx_get_error_buffer(ctx_)) err = e;
  nft_ctx_output_set_flags(ctx_, 0U);
  if (rc != 0) {
    const std::string line = first_error(err);
    const auto code = nft::classify_error(line);
    return core::make_error(std::string(code), nft::explain_error(code, line));
  }
  return out;
}

core::Result<bool> NftGuard::switch_on(const nft::GuardRuleSpec& spec) {
  last_ = nft::guard_on_commands(spec);
  auto r = run(last_, false);
  if (!r) return r.error();
  return true;
}

core::Result<bool> NftGuard::switch_off(std::string_view table) {
  last_ = nft::guard_off_commands(table);
  auto r = run(last_, false);
  if (!r) return r.error();
  return true;
}

core::Result<std::uint64_t> NftGuard::drops(std::string_view table) {
  if (netlink_) {
    auto c = netlink_->counter(table, "drops");
    if (!c) return c.error();
    return c->first;
  }
  auto r = run(nft::guard_counter_command(table), true);
  if (!r) return r.error();
  auto c = nft::parse_counter_json(*r);
  if (!c) return c.error();
  return c->packets;
}

}  // namespace bannin::act
