// RoutingActuator: one Actuator in front of several, by scope: ip and prefix decisions go to
// the address actuator (nftables, or the recording twin in observe mode), vhost and
// vhost_path decisions to the web-server actuator when one is configured (without one they
// go to the address actuator too, which answers Unsupported, or records them). Results come
// back in input order. `tee_web`: in observe mode every decision also goes to the recording
// actuator (the observe log keeps them all) and web scopes additionally to the web actuator
// in observe mode, which writes the would-be files; the recording result is the one reported.
// `suspend` decisions (the escalation ladder's last step) and `reset_password` decisions go
// to the panel hook when one is set (set_hook), in observe mode too (it records what it
// would run).
#pragma once

#include <memory>

#include <bannin/act/actuator.h>

namespace bannin::act {

class RoutingActuator final : public Actuator {
 public:
  RoutingActuator(std::unique_ptr<Actuator> address, std::unique_ptr<Actuator> web,
                  bool tee_web = false);

  std::vector<ActionResult> apply(std::span<const decide::Decision> batch) override;
  std::vector<ActionResult> revoke(std::span<const decide::Decision> batch) override;
  core::Result<FlushReport> flush() override;
  core::Result<std::vector<EnforcedEntry>> list() override;
  ActuatorHealth health() override;
  std::chrono::milliseconds batch_window() const override;

  [[nodiscard]] static bool is_web_scope(const decide::Decision& d) noexcept {
    return d.scope == "vhost" || d.scope == "vhost_path";
  }
  [[nodiscard]] Actuator* web() const noexcept { return web_.get(); }
  void set_hook(std::unique_ptr<Actuator> hook) { hook_ = std::move(hook); }

 private:
  template <typename Call>
  std::vector<ActionResult> route(std::span<const decide::Decision> batch, Call call);

  std::unique_ptr<Actuator> address_, web_, hook_;
  bool tee_ = false;
};

}  // namespace bannin::act
