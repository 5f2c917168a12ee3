// fail2ban import: the INI reader (ConfigParser rules as fail2ban extends them), includes and
// .local overrides, %(x)s and <tag> interpolation, modes, the Python-re -> RE2 translation with
// every unsupported construct reported, the matcher (date removal, host/user extraction,
// ignoreregex, F-NOFAIL), jails, and the written rule loading in bannin's own rule loader.
// Files come from an in-memory tree; the real /etc/fail2ban is covered by
// tests/cli/import_fail2ban_test.sh.
#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include <bannin/model/event.h>
#include <bannin/ruleset/fail2ban_import.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::ruleset::fail2ban {
namespace {

struct Tree {
  std::map<std::string, std::string> files;
  FileReader reader() const {
    return [this](const std::string& p) -> std::optional<std::string> {
      auto it = files.find(p);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
  }
  DirLister lister() const {
    return [this](const std::string& dir) {
      std::vector<std::string> out;
      for (const auto& [p, t] : files) {
        if (p.rfind(dir + "/", 0) == 0 && p.find('/', dir.size() + 1) == std::string::npos) {
          out.push_back(p.substr(dir.size() + 1));
        }
      }
      return out;
    };
  }
};

bool has_issue(const std::vector<Issue>& issues, const std::string& code, std::uint32_t line = 0,
               std::optional<bool> error = std::nullopt) {
  return std::any_of(issues.begin(), issues.end(), [&](const Issue& i) {
    return i.code == code && (line == 0 || i.line == line) && (!error || i.error == *error);
  });
}

TEST(Fail2banIni, SectionsContinuationsAndComments) {
  IniDocument d = parse_ini(
      "# comment\n"
      "[Definition]\n"
      "failregex = ^one <HOST>$\n"
      "            ^two <HOST>$   ; inline comment\n"
      "\n"
      "            ^three <HOST>$\n"
      "; full comment\n"
      "Ignoreregex:\n"
      "garbage line\n"
      "[Init]\n"
      "maxlines = 1\n",
      "f.conf");
  ASSERT_EQ(d.sections.size(), 2u);
  const auto& def = d.sections[0];
  EXPECT_EQ(def.name, "Definition");
  ASSERT_EQ(def.entries.size(), 2u);
  EXPECT_EQ(def.entries[0].first, "failregex");
  EXPECT_EQ(def.entries[0].second.value, "^one <HOST>$\n^two <HOST>$\n\n^three <HOST>$");
  EXPECT_EQ(def.entries[0].second.line, 3u);
  EXPECT_EQ(def.entries[1].first, "ignoreregex");  // keys are lowercased, as ConfigParser does
  EXPECT_EQ(def.entries[1].second.value, "");
  EXPECT_TRUE(has_issue(d.issues, "ini_syntax", 9));
  EXPECT_EQ(d.sections[1].entries[0].second.value, "1");
}

TEST(Fail2banIni, UnterminatedSectionAndValueOutsideSection) {
  IniDocument d = parse_ini("a = 1\n[broken\nb = 2\n", "x.conf");
  EXPECT_TRUE(has_issue(d.issues, "ini_syntax", 1));
  EXPECT_TRUE(has_issue(d.issues, "ini_syntax", 2));
}

TEST(Fail2banConfig, InterpolationDefaultSectionAndKnown) {
  Config c;
  c.merge(
      parse_ini("[DEFAULT]\nd = from-default\n[lt_file]\np = P\n"
                "[Definition]\nx = <%(d)s> %(lt_file/p)s %%\nloop = %(loop)s\n"
                "bad = %(nosuch)s\nv = old\n",
                "a.conf"));
  c.merge(parse_ini("[Definition]\nv = %(known/v)s+new\n", "a.local"));
  std::vector<Issue> issues;
  EXPECT_EQ(c.get("Definition", "x", issues).value(), "<from-default> P %");
  EXPECT_EQ(c.get("Definition", "v", issues).value(), "old+new");
  EXPECT_TRUE(issues.empty());
  (void)c.get("Definition", "loop", issues);
  EXPECT_TRUE(has_issue(issues, "interpolation_depth"));
  (void)c.get("Definition", "bad", issues);
  EXPECT_TRUE(has_issue(issues, "unknown_reference", 8));
}

TEST(Fail2banConfig, IncludesBeforeAfterAndLocal) {
  Tree t;
  t.files["/f/filter.d/common.conf"] = "[DEFAULT]\n_daemon = \\S*\nx = common\n";
  t.files["/f/filter.d/after.conf"] = "[Definition]\ny = after\n";
  t.files["/f/filter.d/app.conf"] =
      "[INCLUDES]\nbefore = common.conf\nafter = after.conf\n"
      "[DEFAULT]\n_daemon = app\n[Definition]\ny = app\nz = app\n";
  t.files["/f/filter.d/app.local"] = "[Definition]\nz = local\n";
  std::vector<Issue> issues;
  Config c = load_config("/f/filter.d", "app", t.reader(), issues);
  EXPECT_TRUE(issues.empty());
  EXPECT_EQ(c.get("Definition", "_daemon", issues).value(), "app");  // file overrides before
  EXPECT_EQ(c.get("Definition", "x", issues).value(), "common");
  EXPECT_EQ(c.get("Definition", "y", issues).value(), "after");  // after overrides the file
  EXPECT_EQ(c.get("Definition", "z", issues).value(), "local");
  Config missing = load_config("/f/filter.d", "nosuch", t.reader(), issues);
  EXPECT_TRUE(has_issue(issues, "missing_file"));
}

Tree sshd_like() {
  Tree t;
  t.files["/e/filter.d/common.conf"] =
      "[DEFAULT]\nlogtype = file\n__date_ambit = (?:\\[\\])\n"
      "__prefix_line = <lt_<logtype>/__prefix_line>\n"
      "datepattern = <lt_<logtype>/datepattern>\n"
      "[lt_file]\n__prefix_line = "
      "<__date_ambit>?\\s*(?:\\S+\\s+)?(?:<_daemon>(?:\\[\\d+\\])?:\\s+)?\n"
      "datepattern = {^LN-BEG}\n";
  t.files["/e/filter.d/demo.conf"] =
      "[INCLUDES]\nbefore = common.conf\n"
      "[DEFAULT]\n_daemon = demod\n"
      "[Definition]\n"
      "prefregex = ^%(__prefix_line)s<F-CONTENT>.+</F-CONTENT>$\n"
      "failregex = ^Failed password for <F-USER>\\S+</F-USER> from <HOST>( port \\d+)?$\n"
      "            <mdre-<mode>>\n"
      "            ^<F-NOFAIL>Connection from</F-NOFAIL> <HOST>\n"
      "mdre-normal =\n"
      "mdre-aggressive = ^Did not receive identification string from <HOST>\n"
      "ignoreregex = from 192\\.0\\.2\\.99\n"
      "mode = normal\n";
  return t;
}

TEST(Fail2banFilter, ModesSelectFailregexVariants) {
  Tree t = sshd_like();
  Filter normal = load_filter("/e/filter.d", "demo", {}, t.reader());
  EXPECT_EQ(normal.failregex.size(), 2u);
  Filter aggr = load_filter("/e/filter.d", "demo", {{"mode", "aggressive"}}, t.reader());
  ASSERT_EQ(aggr.failregex.size(), 3u);
  EXPECT_NE(aggr.failregex[1].source.find("identification string"), std::string::npos);
  EXPECT_EQ(aggr.failregex[1].line, 8u);  // the line that referenced <mdre-<mode>>
  EXPECT_EQ(aggr.datepattern, "{^LN-BEG}");
  EXPECT_EQ(aggr.imported(), 3u);
}

TEST(Fail2banFilter, MatcherStripsDateExtractsHostUserAndHonoursIgnoreAndNofail) {
  Tree t = sshd_like();
  Filter f = load_filter("/e/filter.d", "demo", {{"mode", "aggressive"}}, t.reader());
  FilterMatcher m(f);
  EXPECT_EQ(m.strip_date("Jan  3 10:00:01 web1 demod[12]: x"), " web1 demod[12]: x");
  auto r = m.match("Jan  3 10:00:01 web1 demod[12]: Failed password for root from 198.51.100.7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "198.51.100.7");
  EXPECT_EQ(r->user, "root");
  r = m.match(
      "2024-01-03 10:00:01 web1 demod[12]: Failed password for bob from 2001:db8::5 port 22");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "2001:db8::5");
  r = m.match(
      "Jan  3 10:00:01 web1 demod: Did not receive identification string from evil.example");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "evil.example");
  // ignoreregex
  EXPECT_FALSE(m.match("Jan  3 10:00:01 web1 demod[1]: Failed password for x from 192.0.2.99"));
  // F-NOFAIL: matched, but not a failure
  EXPECT_FALSE(m.match("Jan  3 10:00:01 web1 demod[1]: Connection from 203.0.113.1"));
  // another daemon's line is not matched by the prefix
  EXPECT_FALSE(m.match("Jan  3 10:00:01 web1 other[1]: Failed password for x from 203.0.113.1"));
}

TEST(Fail2banRegex, TranslatesWhatMaps) {
  auto t = translate_regex(R"(^(?i)user (?P<u>\w+){,3} x\Z(?#comment) <ADDR>)");
  ASSERT_TRUE(t.ok()) << (t.issues.empty() ? "" : t.issues[0].message);
  EXPECT_NE(t.re2.find("{0,3}"), std::string::npos);
  EXPECT_NE(t.re2.find("\\z"), std::string::npos);
  EXPECT_EQ(t.re2.find("comment"), std::string::npos);
  EXPECT_NE(t.re2.find("(?P<ip4>"), std::string::npos);
  auto s = translate_regex("<SUBNET> <F-ID>x</F-ID> <F-ALT_USER1>y</F-ALT_USER1> <CIDR> <IP6>");
  EXPECT_TRUE(s.ok());
  EXPECT_NE(s.re2.find("(?P<fid>x)"), std::string::npos);
  EXPECT_NE(s.re2.find("(?P<alt_user1>y)"), std::string::npos);
  auto nodns = translate_regex("<HOST>", false);
  EXPECT_EQ(nodns.re2.find("(?P<dns>"), std::string::npos);
}

TEST(Fail2banRegex, ReportsEveryUnsupportedConstruct) {
  // A back-reference to a group holding fail2ban tags cannot be approximated: left out.
  auto br = translate_regex(R"(^(<HOST>) again \1$)");
  EXPECT_FALSE(br.ok());
  EXPECT_TRUE(has_issue(br.issues, "backreference", 0, true));
  EXPECT_TRUE(br.re2.empty());
  auto nbr = translate_regex(R"(^(?P<x><F-USER>\S+</F-USER>) (?P=x)$)");
  EXPECT_TRUE(has_issue(nbr.issues, "backreference", 0, true));
  // One to a plain group is matched as a copy of the group's pattern, with a note.
  auto plain = translate_regex(R"(^(?P<code>[0-9A-F]+): error:(?P=code) (\w)\2$)");
  EXPECT_TRUE(plain.ok());
  EXPECT_TRUE(has_issue(plain.issues, "backreference", 0, false));
  EXPECT_EQ(plain.re2, R"(^(?P<code>[0-9A-F]+): error:(?:[0-9A-F]+) (\w)(?:\w)$)");
  auto lb = translate_regex(R"((?<=foo)bar (?<!baz)qux)");
  EXPECT_TRUE(lb.ok());  // approximated: imported, reported as a note
  EXPECT_TRUE(has_issue(lb.issues, "lookbehind", 0, false));
  EXPECT_EQ(lb.re2, "bar qux");
  auto la = translate_regex(R"(\b(?!publickey)\S+ (?=x)y)");
  EXPECT_TRUE(has_issue(la.issues, "lookahead", 0, false));
  auto cond = translate_regex(R"((?P<c>a)?(?(c)b|c))");
  EXPECT_TRUE(has_issue(cond.issues, "conditional", 0, false));
  EXPECT_TRUE(cond.ok());
  auto atomic = translate_regex(R"((?>ab)c)");
  EXPECT_TRUE(has_issue(atomic.issues, "atomic_group", 0, false));
  auto verbose = translate_regex(R"((?x)a b)");
  EXPECT_TRUE(has_issue(verbose.issues, "flag", 0, true));
  auto bad = translate_regex(R"(a(b)");
  EXPECT_TRUE(has_issue(bad.issues, "re2_rejected", 0, true));
  auto dup = translate_regex("<F-USER>a</F-USER> <F-USER>b</F-USER>");
  EXPECT_TRUE(has_issue(dup.issues, "duplicate_group"));
}

TEST(Fail2banFilter, MultiLineAndMaxlinesReportedWithLocation) {
  Tree t;
  t.files["/m/filter.d/ml.conf"] =
      "[Definition]\n"
      "failregex = ^first <HOST>$\n"
      "            ^a line\\nsecond <HOST>$\n"
      "            ^x<SKIPLINES>y <HOST>$\n"
      "            ^back (<HOST>)\\1$\n"
      "            ^.*\\nWARNING: attempt from <HOST> failed\\.$\n"
      "            ^literal \\\\n is not a new line <HOST>$\n"
      "[Init]\nmaxlines = 5\n";
  Filter f = load_filter("/m/filter.d", "ml", {}, t.reader());
  ASSERT_EQ(f.failregex.size(), 6u);
  EXPECT_EQ(f.imported(), 3u);
  EXPECT_TRUE(has_issue(f.issues, "multiline", 3, true));
  EXPECT_TRUE(has_issue(f.issues, "skiplines", 4, true));
  EXPECT_TRUE(has_issue(f.issues, "backreference", 5, true));
  EXPECT_TRUE(has_issue(f.issues, "multiline_reduced", 6, false));
  EXPECT_TRUE(has_issue(f.issues, "maxlines", 9, false));
  EXPECT_EQ(f.maxlines, 5);
  EXPECT_EQ(f.failregex[4].re2.substr(0, 9), "^WARNING:");
  FilterMatcher m(f);
  auto r = m.match("WARNING: attempt from 192.0.2.9 failed.");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "192.0.2.9");
  EXPECT_TRUE(m.match("literal \\n is not a new line 192.0.2.9"));
}

TEST(Fail2banFilter, PrefregexFolding) {
  auto folded = fold_prefregex("^<F-MLFID>x</F-MLFID> <F-CONTENT>.+</F-CONTENT>$", "^Bad <HOST>");
  ASSERT_TRUE(folded);
  EXPECT_EQ(*folded, "^<F-MLFID>x</F-MLFID> (?:Bad <HOST>).*$");
  auto unanchored = fold_prefregex("^p: <F-CONTENT>.+</F-CONTENT>$", "bad <HOST>$");
  EXPECT_EQ(*unanchored, "^p: (?:.*?bad <HOST>$)$");
  EXPECT_FALSE(fold_prefregex("^no content$", "x"));
}

TEST(Fail2banJail, DurationsInFail2banSyntax) {
  EXPECT_EQ(parse_f2b_duration("600"), 600);
  EXPECT_EQ(parse_f2b_duration("10m"), 600);
  EXPECT_EQ(parse_f2b_duration("1h 30m"), 5400);
  EXPECT_EQ(parse_f2b_duration("1d"), 86400);
  EXPECT_EQ(parse_f2b_duration("1w"), 7 * 86400);
  EXPECT_EQ(parse_f2b_duration("5mins"), 300);
  EXPECT_EQ(parse_f2b_duration("-1"), -1);
  EXPECT_FALSE(parse_f2b_duration("ten"));
  EXPECT_FALSE(parse_f2b_duration("10 parsecs"));
  EXPECT_FALSE(parse_f2b_duration(""));
}

TEST(Fail2banJail, JailsInOrderWithFilterArgumentsAndIncrement) {
  Tree t;
  t.files["/j/jail.conf"] =
      "[INCLUDES]\nbefore = paths.conf\n"
      "[DEFAULT]\nignoreip = 127.0.0.1/8 ::1\nbantime = 10m\nfindtime = 10m\nmaxretry = 5\n"
      "mode = normal\nfilter = %(__name__)s[mode=%(mode)s]\n"
      "[sshd]\nport = ssh\nlogpath = %(sshd_log)s\nbackend = systemd\n"
      "[postfix]\nmode = more\nbantime = 1h\nmaxretry = 3\nlogpath = /var/log/mail.log\n"
      "[broken]\nbantime = forever\n";
  t.files["/j/paths.conf"] = "[DEFAULT]\nsshd_log = /var/log/auth.log\n";
  t.files["/j/jail.d/a.conf"] = "[sshd]\nenabled = true\n";
  t.files["/j/jail.d/b.local"] = "[sshd]\nmaxretry = 2\n";
  t.files["/j/jail.local"] =
      "[DEFAULT]\nbantime.increment = true\nbantime.maxtime = 1w\nignoreip = 127.0.0.1/8 "
      "192.0.2.0/24\n"
      "[sshd]\nmaxretry = 9\n[postfix]\nenabled = yes\n";
  std::vector<Issue> issues;
  auto jails = load_jails("/j", t.reader(), t.lister(), issues);
  ASSERT_EQ(jails.size(), 3u);
  const Jail& s = jails[0];
  EXPECT_EQ(s.name, "sshd");
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.maxretry, 2);  // jail.d/*.local come after jail.local
  EXPECT_EQ(s.filter_spec, "sshd[mode=normal]");
  ASSERT_EQ(s.logpath.size(), 1u);
  EXPECT_EQ(s.logpath[0], "/var/log/auth.log");
  EXPECT_EQ(s.backend, "systemd");
  EXPECT_TRUE(s.increment);
  EXPECT_EQ(s.maxtime_s, 7 * 86400);
  EXPECT_EQ(s.ignoreip, (std::vector<std::string>{"127.0.0.1/8", "192.0.2.0/24"}));
  const Jail& p = jails[1];
  EXPECT_TRUE(p.enabled);
  EXPECT_EQ(p.filter_spec, "postfix[mode=more]");
  EXPECT_EQ(p.bantime_s, 3600);
  EXPECT_EQ(p.maxretry, 3);
  EXPECT_FALSE(jails[2].enabled);
  EXPECT_TRUE(has_issue(jails[2].issues, "bad_duration"));

  auto [name, args] = parse_filter_spec(R"(postfix[mode=more, port="smtp,ssmtp"])");
  EXPECT_EQ(name, "postfix");
  EXPECT_EQ(args["mode"], "more");
  EXPECT_EQ(args["port"], "smtp,ssmtp");
}

TEST(Fail2banOutput, RuleLoadsInBanninsLoaderAndMatchesTheMessage) {
  Tree t = sshd_like();
  // A regex with a quote and an escaped backslash survives YAML and the expression string.
  t.files["/e/filter.d/quote.conf"] =
      "[Definition]\nfailregex = ^\"bad\" \\\\ from <HOST>$\nignoreregex = \"ok\"\n";
  for (const char* name : {"demo", "quote"}) {
    Filter f = load_filter("/e/filter.d", name, {}, t.reader());
    Jail j;
    j.name = std::string("my-") + name;
    j.enabled = true;
    j.maxretry = 4;
    j.findtime_s = 3600;
    j.bantime_s = -1;
    std::string yaml = rule_yaml(f, &j);
    // A regex matching only non-failures (<F-NOFAIL> first) is not in the rule.
    EXPECT_EQ(yaml.find("Connection from"), std::string::npos) << yaml;
    LoadReport r;
    load_rules_text(yaml, "x.yaml", {}, r);
    ASSERT_TRUE(r.ok()) << yaml << "\n" << (r.problems.empty() ? "" : r.problems[0].message);
    ASSERT_EQ(r.rules.size(), 1u);
    const Rule& rule = *r.rules[0];
    EXPECT_EQ(rule.id, std::string("fail2ban.my_") + name);
    EXPECT_EQ(rule.window, 3600 * core::kNsPerSec);
    EXPECT_EQ(rule.params.at("max_retry").items[0], "4");
    model::Event ev;
    ev.set_kind(model::EventKind::LogLine);
    std::string msg = std::string(name) == "demo"
                          ? " web1 demod[1]: Failed password for root from 198.51.100.7"
                          : "\"bad\" \\ from 198.51.100.7";
    ev.set_string(model::Field::Message, msg);
    EXPECT_TRUE(rule.where->eval(ev)) << yaml;
    std::string ignored = std::string(name) == "demo"
                              ? " web1 demod[1]: Failed password for root from 192.0.2.99"
                              : "\"bad\" \\ from 198.51.100.7 \"ok\"";
    ev.set_string(model::Field::Message, ignored);
    EXPECT_FALSE(rule.where->eval(ev)) << yaml;
  }
}

TEST(Fail2banOutput, ImportDirWritesReportAndFragment) {
  Tree t = sshd_like();
  t.files["/e/jail.conf"] =
      "[DEFAULT]\nignoreip = 127.0.0.1/8\nbantime.increment = true\nbantime.maxtime = 2d\n"
      "[demo]\nenabled = true\nfilter = demo[mode=aggressive]\nlogpath = /var/log/demo.log\n";
  ImportResult r = import_dir("/e", t.reader(), t.lister());
  ASSERT_EQ(r.jails.size(), 1u);
  // common, demo, and the aggressive variant for the jail
  ASSERT_EQ(r.filters.size(), 3u);
  EXPECT_EQ(r.filters[2].name, "demo@demo");
  EXPECT_EQ(r.filters[2].failregex.size(), 3u);
  std::string frag = config_fragment(r);
  EXPECT_NE(frag.find("allowlist: [\"127.0.0.1/8\"]"), std::string::npos) << frag;
  EXPECT_NE(frag.find("max_ttl: 2d"), std::string::npos) << frag;
  EXPECT_NE(frag.find("/var/log/demo.log"), std::string::npos) << frag;
  std::string rep = report_text(r);
  EXPECT_NE(rep.find("demo: 2/2 failregex imported"), std::string::npos) << rep;
}

}  // namespace
}  // namespace bannin::ruleset::fail2ban
