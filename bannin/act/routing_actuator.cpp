#include <bannin/act/routing_actuator.h>

namespace bannin::act {

RoutingActuator::RoutingActuator(std::unique_ptr<Actuator> address, std::unique_ptr<Actuator> web,
                                 bool tee_web)
    : address_(std::move(address)), web_(std::move(web)), tee_(tee_web) {}

template <typename Call>
std::vector<ActionResult> RoutingActuator::route(std::span<const decide::Decision> batch,
                                                 Call call) {
  std::vector<ActionResult> out(batch.size());
  std::vector<decide::Decision> to_addr, to_web, to_hook;
  std::vector<std::size_t> at_addr, at_web, at_hook;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (hook_ && (batch[i].action == "suspend" || batch[i].action == "reset_password")) {
      to_hook.push_back(batch[i]);
      at_hook.push_back(i);
      continue;
    }
    const bool web = web_ && is_web_scope(batch[i]);
    if (web) {
      to_web.push_back(batch[i]);
      at_web.push_back(i);
    }
    if (!web || tee_) {
      to_addr.push_back(batch[i]);
      at_addr.push_back(i);
    }
  }
  if (!to_hook.empty()) {
    for (auto r : call(*hook_, to_hook)) {
      const std::size_t i = at_hook[r.index];
      r.index = i;
      out[i] = std::move(r);
    }
  }
  std::vector<ActionResult> web_results;
  if (!to_web.empty()) web_results = call(*web_, to_web);
  if (!to_addr.empty()) {
    for (auto r : call(*address_, to_addr)) {
      std::size_t i = at_addr[r.index];
      r.index = i;
      out[i] = std::move(r);
    }
  }
  for (auto r : web_results) {
    std::size_t i = at_web[r.index];
    if (tee_) {
      // Observe: the recording result stands; the web actuator's is a note.
      if (r.outcome == Outcome::Failed || r.outcome == Outcome::Invalid) {
        out[i].detail +=
            (out[i].detail.empty() ? "" : "; ") + std::string("web server files: ") + r.detail;
      }
      continue;
    }
    r.index = i;
    out[i] = std::move(r);
  }
  return out;
}

std::vector<ActionResult> RoutingActuator::apply(std::span<const decide::Decision> batch) {
  return route(batch, [](Actuator& a, std::span<const decide::Decision> b) { return a.apply(b); });
}

std::vector<ActionResult> RoutingActuator::revoke(std::span<const decide::Decision> batch) {
  return route(batch, [](Actuator& a, std::span<const decide::Decision> b) { return a.revoke(b); });
}

core::Result<FlushReport> RoutingActuator::flush() {
  auto a = address_->flush();
  if (!web_) return a;
  auto w = web_->flush();
  if (!a) return a;
  if (!w) return w.error();
  FlushReport r;
  r.existed = a->existed || w->existed;
  r.description = a->description + "; " + w->description;
  return r;
}

core::Result<std::vector<EnforcedEntry>> RoutingActuator::list() {
  auto a = address_->list();
  if (!a || !web_) return a;
  auto w = web_->list();
  if (!w) return w.error();
  a->insert(a->end(), w->begin(), w->end());
  return a;
}

ActuatorHealth RoutingActuator::health() {
  ActuatorHealth h = address_->health();
  if (!web_) return h;
  ActuatorHealth w = web_->health();
  if (!w.ok) {
    h.ok = false;
    h.problem = (h.problem.empty() ? "" : h.problem + "; ") + "web server: " + w.problem;
  }
  h.errors += w.errors;
  h.dropped += w.dropped;
  h.pending_bytes += w.pending_bytes;
  return h;
}

std::chrono::milliseconds RoutingActuator::batch_window() const {
  return std::max(address_->batch_window(),
                  web_ ? web_->batch_window() : std::chrono::milliseconds(0));
}

}  // namespace bannin::act
