// `kpi:` in the daemon configuration (schema/config.yaml, app/config.cpp): the services list
// loads into ServiceSpecs, and every problem in it is reported with its file:line:column.
#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include <bannin/app/config.h>

namespace bannin::app {
namespace {

std::string write_temp(const std::string& text) {
  std::string path =
      ::testing::TempDir() + "bannin-kpi-config-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(KpiConfig, ServicesLoad) {
  auto def = load_config("");
  ASSERT_TRUE(def) << def.error().message;
  EXPECT_TRUE(def->kpi.enabled);
  EXPECT_EQ(def->kpi.interval, core::kNsPerSec);
  EXPECT_EQ(def->kpi.proc_root, "/proc");
  EXPECT_TRUE(def->kpi.services.empty());
  const std::string path = write_temp(
      "kpi:\n"
      "  interval: 2s\n"
      "  proc_root: /proc/1\n"
      "  services:\n"
      "    - {name: unbound, pid_file: /run/unbound.pid, ports: [53]}\n"
      "    - name: dovecot\n"
      "      process: dovecot\n"
      "      ports: [110, 143]\n"
      "      children: false\n");
  auto cfg = load_config(path);
  std::remove(path.c_str());
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->kpi.interval, 2 * core::kNsPerSec);
  EXPECT_EQ(cfg->kpi.proc_root, "/proc/1");
  ASSERT_EQ(cfg->kpi.services.size(), 2u);
  EXPECT_EQ(cfg->kpi.services[0].name, "unbound");
  EXPECT_EQ(cfg->kpi.services[0].pid_file, "/run/unbound.pid");
  EXPECT_EQ(cfg->kpi.services[0].ports, std::vector<std::uint16_t>{53});
  EXPECT_TRUE(cfg->kpi.services[0].children);
  EXPECT_EQ(cfg->kpi.services[1].process, "dovecot");
  EXPECT_FALSE(cfg->kpi.services[1].children);
  EXPECT_EQ(config_differences(*def, *cfg, true),
            (std::vector<std::string>{"kpi.interval", "kpi.proc_root", "kpi.services"}));
}

TEST(KpiConfig, EveryProblemLocated) {
  const std::string path = write_temp(
      "kpi:\n"
      "  interval: 500ms\n"
      "  services:\n"
      "    - {name: a, process: averyveryverylongname}\n"
      "    - {name: b}\n"
      "    - {process: c}\n"
      "    - {name: d, pid_file: run/d.pid, ports: [0, 70000, x]}\n"
      "    - {name: e, process: e, port: 5}\n"
      "    - {name: f, process: f, ports: [53]}\n"
      "    - {name: g, process: g, ports: [53]}\n"
      "    - {name: f, process: f2}\n"
      "    - just text\n");
  auto cfg = load_config(path);
  std::remove(path.c_str());
  ASSERT_FALSE(cfg);
  const std::string& m = cfg.error().message;
  for (const std::string want :
       {":2:3: kpi.interval: must be at least 1s", ":4:26: kpi.services: process 'averyvery",
        ":5:7: kpi.services: service b needs pid_file or process",
        ":6:7: kpi.services: a service needs a name", ":7:27: kpi.services: pid_file 'run/d.pid'",
        "ports: '0' is not a port", "ports: '70000' is not a port", "ports: 'x' is not a port",
        ":8:29: kpi.services: unknown key 'port'",
        ":10:7: kpi.services: port 53 belongs to service f already",
        ":11:7: kpi.services: service f named twice",
        ":12:7: kpi.services: each service is a map"}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m;
  }
  // Only a file can hold the list.
  auto o = load_config("", {"kpi.services=x"});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("kpi.services: expected a list of services"), std::string::npos)
      << o.error().message;
}

}  // namespace
}  // namespace bannin::app
