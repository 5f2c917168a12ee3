// `guard:` and `recorder:` in the daemon configuration (schema/config.yaml,
// app/guard_config.cpp): the guarded services load with their defaults, and every problem is
// reported with its file:line:column.
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include <bannin/app/config.h>
#include <bannin/app/daemon.h>

namespace bannin::app {
namespace {

std::string write_temp(const std::string& text) {
  std::string path =
      ::testing::TempDir() + "bannin-guard-config-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(GuardConfig, OffByDefaultRecorderOn) {
  auto def = load_config("");
  ASSERT_TRUE(def) << def.error().message;
  EXPECT_TRUE(def->guard.services.empty());
  EXPECT_TRUE(def->recorder.enabled);
  EXPECT_EQ(def->recorder.bytes_per_source, 512U * 1024U);
  EXPECT_EQ(def->recorder.keep, 20U);
  EXPECT_EQ(def->recorder.min_interval, 60 * core::kNsPerSec);
  EXPECT_TRUE(guard_config_problems(*def).empty());
}

TEST(GuardConfig, ServicesLoadWithDefaults) {
  const std::string path = write_temp(
      "kpi:\n"
      "  services: [{name: unbound, process: unbound, ports: [53]}]\n"
      "guard:\n"
      "  services:\n"
      "    - {name: dns, proto: udp, ports: [53], signal: service_udp_drops, service: unbound,\n"
      "       on_above: 200/s, hold: 1m, per_prefix: 30/s, prefix_v4: 20}\n"
      "    - name: pop\n"
      "      proto: tcp\n"
      "      ports: [110, 995]\n"
      "      on_below: 10%\n"
      "      off_at: 15%\n"
      "      conns_per_source: 16\n"
      "      conn_memory: 1m\n");
  auto cfg = load_config(path);
  ASSERT_TRUE(cfg) << cfg.error().message;
  ASSERT_EQ(cfg->guard.services.size(), 2U);
  const auto& dns = cfg->guard.services[0];
  EXPECT_EQ(dns.name, "dns");
  EXPECT_EQ(dns.signal, GuardSignal::ServiceUdpDrops);
  EXPECT_EQ(dns.service, "unbound");
  EXPECT_FALSE(dns.thresholds.below);
  EXPECT_DOUBLE_EQ(dns.thresholds.on, 200);
  EXPECT_DOUBLE_EQ(dns.thresholds.off, 200);  // the on level when off_at is not given
  EXPECT_EQ(dns.thresholds.on_after, 2);
  EXPECT_EQ(dns.thresholds.quiet_after, 10);
  EXPECT_EQ(dns.thresholds.hold, 60 * core::kNsPerSec);
  EXPECT_EQ(dns.rules.per_source, 20U);
  EXPECT_EQ(dns.rules.per_prefix, 30U);
  EXPECT_EQ(dns.rules.prefix_v4, 20);
  EXPECT_FALSE(dns.rules.tcp);
  const auto& pop = cfg->guard.services[1];
  EXPECT_TRUE(pop.rules.tcp);
  EXPECT_EQ(pop.signal, GuardSignal::MemAvailable);  // the TCP default
  EXPECT_TRUE(pop.thresholds.below);
  EXPECT_DOUBLE_EQ(pop.thresholds.on, 10);
  EXPECT_DOUBLE_EQ(pop.thresholds.off, 15);
  EXPECT_EQ(pop.rules.conns_per_source, 16U);
  EXPECT_EQ(pop.conn_memory, 1024U * 1024U);
  EXPECT_EQ(pop.rules.ports, (std::vector<std::uint16_t>{110, 995}));
  EXPECT_TRUE(guard_config_problems(*cfg).empty());
}

TEST(GuardConfig, ProblemsAreLocated) {
  const std::string path = write_temp(
      "guard:\n"
      "  services:\n"
      "    - {name: dns, ports: [53], on_below: 10}\n"            // 3: a rate signal takes on_above
      "    - {name: web, ports: [80], on_above: 1, colour: 3}\n"  // 4: unknown key
      "    - {name: Bad-Name, ports: [53], on_above: 1}\n"        // 5: name
      "    - {name: x, ports: [70000], on_above: 1}\n"            // 6: port
      "    - {name: y, ports: [53], signal: nope, on_above: 1}\n"  // 7: signal
      "    - {name: z, ports: [53], on_above: 5, off_at: 9}\n"     // 8: off on the wrong side
      "    - {name: d, ports: [53], on_above: 5}\n"
      "    - {name: d, ports: [54], on_above: 5}\n");  // 10: twice
  auto cfg = load_config(path);
  ASSERT_FALSE(cfg);
  const std::string& m = cfg.error().message;
  EXPECT_NE(m.find(":3:7: guard.services: guarded service dns: udp_rcvbuf_errors takes on_above"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(":4:45: guard.services: unknown key 'colour'"), std::string::npos) << m;
  EXPECT_NE(m.find(":5:14: guard.services: name 'Bad-Name'"), std::string::npos) << m;
  EXPECT_NE(m.find(":6:25: guard.services: ports: '70000' is not a port"), std::string::npos) << m;
  EXPECT_NE(m.find(":7:38: guard.services: signal: 'nope' is not one of"), std::string::npos) << m;
  EXPECT_NE(m.find(":8:7: guard.services: guarded service z: off_at"), std::string::npos) << m;
  EXPECT_NE(m.find(":10:7: guard.services: guarded service d named twice"), std::string::npos) << m;
}

TEST(GuardConfig, CrossChecks) {
  const std::string path = write_temp(
      "kpi: {enabled: false}\n"
      "guard:\n"
      "  services:\n"
      "    - {name: dns, ports: [53], signal: service_udp_drops, service: unbound, on_above: 5}\n");
  auto cfg = load_config(path);
  ASSERT_TRUE(cfg) << cfg.error().message;
  auto p = guard_config_problems(*cfg);
  ASSERT_EQ(p.size(), 2U);
  EXPECT_NE(p[0].find("kpi.enabled"), std::string::npos);
  EXPECT_NE(p[1].find("service 'unbound' is not in kpi.services"), std::string::npos);
}

}  // namespace
}  // namespace bannin::app
