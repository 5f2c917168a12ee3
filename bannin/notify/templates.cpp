// The notice texts, in Japanese and English, per kind of finding (rule id prefix): what
// happened in numbers, the evidence lines, what bannin did and until when, what to do now,
// and how to have the measure lifted early. Times are the machine's local time with its zone.
#include <algorithm>
#include <cmath>
#include <ctime>

#include <bannin/core/duration.h>
#include <bannin/core/json_writer.h>
#include <bannin/notify/notifier.h>

namespace bannin::notify {

namespace {

std::string when(core::TimeNs ts, bool date = true) {
  time_t t = static_cast<time_t>(ts / core::kNsPerSec);
  tm tmv{};
  localtime_r(&t, &tmv);
  char buf[64];
  std::strftime(buf, sizeof buf, date ? "%Y-%m-%d %H:%M %Z" : "%H:%M", &tmv);
  return buf;
}

bool same_day(core::TimeNs a, core::TimeNs b) {
  time_t ta = static_cast<time_t>(a / core::kNsPerSec),
         tb = static_cast<time_t>(b / core::kNsPerSec);
  tm x{}, y{};
  localtime_r(&ta, &x);
  localtime_r(&tb, &y);
  return x.tm_year == y.tm_year && x.tm_yday == y.tm_yday;
}

std::string number_text(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9)
    return std::to_string(static_cast<long long>(std::llround(v)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

enum class Kind {
  FormRelay,
  LoginBruteForce,
  Scanner,
  Domain,
  MailOutbound,
  LeakedPassword,
  Other
};

Kind kind_of(const std::string& rule) {
  auto starts = [&](const char* p) { return rule.rfind(p, 0) == 0; };
  if (starts("web.form_relay")) return Kind::FormRelay;
  if (starts("mail.outbound")) return Kind::MailOutbound;
  if (starts("auth.login.")) return Kind::LeakedPassword;
  if (starts("web.wp_login") || starts("web.xmlrpc") || starts("auth.")) {
    return Kind::LoginBruteForce;
  }
  if (starts("web.scanner") || starts("web.wordpress")) return Kind::Scanner;
  if (starts("domain.")) return Kind::Domain;
  return Kind::Other;
}

// Sources: the largest distinct(src_ip) a finding saw, or the members decided on.
std::uint64_t sources_of(const Incident& inc) {
  std::uint64_t n = inc.members.size() + inc.members_cut;
  if (auto it = inc.numbers_max.find("distinct(src_ip)"); it != inc.numbers_max.end()) {
    n = std::max<std::uint64_t>(n, static_cast<std::uint64_t>(std::llround(it->second)));
  }
  return n;
}

std::uint64_t requests_of(const Incident& inc) {
  if (auto it = inc.numbers_max.find("count()"); it != inc.numbers_max.end()) {
    return static_cast<std::uint64_t>(std::llround(it->second));
  }
  return 0;
}

double foreign_share(const Incident& inc) {
  for (const auto& [text, v] : inc.numbers_last) {
    if (text.rfind("share(country not in", 0) == 0) return v;
  }
  return -1;
}

std::vector<std::string> top_countries(const Incident& inc, std::size_t n) {
  std::vector<std::pair<std::uint64_t, std::string>> v;
  for (const auto& [cc, count] : inc.countries) {
    if (cc != "??") v.emplace_back(count, cc);
  }
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size() && i < n; ++i) {
    out.push_back(v[i].second + " " + std::to_string(v[i].first));
  }
  return out;
}

std::size_t known_countries(const Incident& inc) {
  std::size_t n = 0;
  for (const auto& [cc, count] : inc.countries) n += cc != "??" ? 1 : 0;
  return n;
}

std::string target_of(const Incident& inc) {
  if (!inc.vhost.empty() || !inc.path.empty()) return inc.vhost + inc.path;
  if (!inc.domain.empty()) return inc.domain;  // `bannin check <domain>` in the notice
  std::string out;
  for (const auto& [k, v] : inc.group) {
    if (!out.empty()) out += ' ';
    out.append(k).append("=").append(v);
  }
  return out;
}

}  // namespace

Notice Notifier::render(const Incident& inc, const std::string& language,
                        const enrich::Owner& owner, bool digest) const {
  const bool ja = language == "ja";
  const Kind kind = kind_of(inc.rule);
  const std::string target = target_of(inc);
  const std::uint64_t sources = sources_of(inc);
  const std::uint64_t requests = requests_of(inc);
  const std::size_t ncountries = known_countries(inc);
  const double foreign = foreign_share(inc);
  const std::string home = join(options_.home_countries, ja ? "・" : ", ");
  const std::string span_from = when(inc.first_ts);
  const std::string span_to = when(inc.last_ts, !same_day(inc.first_ts, inc.last_ts));

  Notice n;
  n.kind = digest ? "digest" : "incident";
  n.language = ja ? "ja" : "en";
  n.incidents.push_back(inc.id);
  n.vhost = inc.vhost;
  n.account = owner.account;

  // --- subject ----------------------------------------------------------------------------
  std::string what;
  switch (kind) {
    case Kind::FormRelay:
      what = ja ? "フォーム " + target + " が迷惑メールの中継に使われています"
                : "the form " + target + " is being used to relay spam";
      break;
    case Kind::LoginBruteForce:
      what = ja ? target + " へのパスワード総当たり" : "password guessing against " + target;
      break;
    case Kind::Scanner:
      what = ja ? target + " への脆弱性探索" : "vulnerability probing of " + target;
      break;
    case Kind::Domain:
      what = ja ? "ドメインの状態の変化: " + target : "domain status changed: " + target;
      break;
    case Kind::MailOutbound:
      what = ja ? "アカウント " + inc.account + " からの大量のメール送信"
                : "unusual mail sending from the account " + inc.account;
      break;
    case Kind::LeakedPassword:
      what = ja ? inc.user + " のパスワードが漏えいした疑い"
                : "the password of " + inc.user + " appears to be leaked";
      break;
    case Kind::Other:
      what = inc.title.empty() ? inc.rule : inc.title;
      break;
  }
  if (!inc.joined.empty()) {
    // web<->mail: one story (notifier_join.cpp).
    what += kind == Kind::FormRelay ? (ja ? "（同じアカウントからの大量送信あり）"
                                          : ", and its account is sending a burst of mail")
                                    : (ja ? "（同じアカウントのフォームが中継に悪用）"
                                          : ", and a form of the account is used as a relay");
  }
  n.subject = std::string("[bannin] ") + (digest ? (ja ? "続報: " : "Update: ") : "") + what;

  std::string t;
  // --- what happened ----------------------------------------------------------------------
  t += ja ? "■ 何が起きたか\n" : "What happened\n";
  if (kind == Kind::FormRelay) {
    std::string countries_en =
        ncountries > 0 ? " in " + std::to_string(ncountries) + " countries" : "";
    std::string countries_ja = ncountries > 0 ? std::to_string(ncountries) + " か国の " : "";
    if (ja) {
      t += "  " + span_from + " から " + span_to + " までに、" + countries_ja +
           std::to_string(sources) + " 個のアドレスから " + target + " へ POST がありました" +
           (requests > 0 ? "（" + std::to_string(requests) + " 件）" : "") + "。";
      if (foreign >= 0)
        t += "海外（" + home + " 以外）からの割合は " + number_text(std::round(foreign * 100)) +
             "% です。";
      t += "\n  問い合わせフォームが第三者の迷惑メール送信の中継に使われるときの典型的な形です。\n";
    } else {
      t += "  " + (requests > 0 ? std::to_string(requests) + " POSTs" : std::string("POSTs")) +
           " from " + std::to_string(sources) + " addresses" + countries_en + " to " + target +
           " between " + span_from + " and " + span_to + ".";
      if (foreign >= 0) {
        t += " " + number_text(std::round(foreign * 100)) + "% of them came from outside " + home +
             ".";
      }
      t += "\n  This is how a contact form is abused to send spam through your site.\n";
    }
    if (auto top = top_countries(inc, 5); !top.empty()) {
      t += (ja ? "  主な国: " : "  Most addresses from: ") + join(top, ", ") + "\n";
    }
  } else {
    if (ja) {
      t += "  " + span_from + " から " + span_to +
           " まで: " + (inc.title.empty() ? inc.rule : inc.title) + "（" + target + "）\n";
    } else {
      t += "  Between " + span_from + " and " + span_to + ": " +
           (inc.title.empty() ? inc.rule : inc.title) + " (" + target + ")\n";
    }
    if (sources > 0) {
      t += ja ? "  送信元アドレス: " + std::to_string(sources) + "\n"
              : "  Source addresses: " + std::to_string(sources) + "\n";
    }
  }
  t += ja ? "  数値: " : "  Numbers: ";
  {
    std::vector<std::string> parts;
    for (const auto& [text, v] : inc.numbers_max) {
      auto name = inc.number_names.find(text);
      std::string shown =
          text.rfind("share(", 0) == 0 ? number_text(std::round(v * 100)) + "%" : number_text(v);
      parts.push_back((name != inc.number_names.end() ? name->second : text) + "=" + shown);
    }
    t += join(parts, ", ") + (ja ? "（1 つの窓での最大値）\n" : " (the most one window saw)\n");
  }
  t += ja ? "  規則: " + inc.rule + "、検知 " + std::to_string(inc.findings) + " 回\n"
          : "  Rule: " + inc.rule + ", " + std::to_string(inc.findings) + " findings\n";

  // --- findings of other rules told with this one (web<->mail) ----------------------------
  for (const auto& j : inc.joined) {
    t += ja ? "\n■ 同じ時間帯に関連する検知: " + (j.title.empty() ? j.rule : j.title) + "\n"
            : "\nAt the same time: " + (j.title.empty() ? j.rule : j.title) + "\n";
    t += "  " + j.group + ", " + when(j.first_ts) + " - " +
         when(j.last_ts, !same_day(j.first_ts, j.last_ts)) + "\n";
    std::vector<std::string> parts;
    for (const auto& [name, v] : j.numbers) {
      parts.push_back(name + "=" +
                      (name.rfind("share(", 0) == 0 || name == "foreign"
                           ? number_text(std::round(v * 100)) + "%"
                           : number_text(v)));
    }
    t += (ja ? "  数値: " : "  Numbers: ") + join(parts, ", ") + "\n";
    t += ja ? "  規則: " + j.rule + "\n" : "  Rule: " + j.rule + "\n";
    for (const auto& line : j.evidence) t += "  " + line + "\n";
  }

  // --- evidence ---------------------------------------------------------------------------
  t += ja ? "\n■ 証拠（ログの行、古い順）\n" : "\nEvidence (log lines, oldest first)\n";
  for (const auto& line : inc.evidence) t += "  " + line + "\n";
  if (inc.evidence.empty()) t += ja ? "  （なし）\n" : "  (none kept)\n";

  // --- the escalation ladder's warning, before anything else it did -------------------------
  for (const auto& d : inc.decisions) {
    if (!d.warning) continue;
    t += ja ? "\n■ 警告：次の段階の予告\n" : "\nWarning: the next step\n";
    t += "  " + (ja && !d.reason_ja.empty() ? d.reason_ja : d.reason) + "\n";
  }

  // --- what bannin did --------------------------------------------------------------------
  t += ja ? "\n■ bannin が行ったこと\n" : "\nWhat bannin did\n";
  const char* observe_en = options_.enforce ? "" : " [observe mode: decided, not carried out]";
  const char* observe_ja = options_.enforce ? "" : "［観察モード: 判断のみで実施していません］";
  bool any = false;    // something to lift early
  bool reset = false;  // a password reset: done once, nothing to lift
  for (const auto& d : inc.decisions) {
    if (d.scope == "ip" || d.scope == "prefix" || d.action == "notify_only") continue;
    if (d.action == "reset_password") {
      reset = true;
      t += ja ? "  - " + d.target + " のパスワードを管理パネル経由でリセット" + observe_ja + "\n"
              : "  - the password of " + d.target + " reset through the hosting panel" +
                    observe_en + "\n";
      continue;
    }
    any = true;
    std::string until = when(d.ts + d.ttl);
    if (d.action == "suspend") {
      t += ja ? "  - アカウントを " + until + " まで一時停止（管理パネル経由）" + observe_ja + "\n"
              : "  - the account suspended through the hosting panel until " + until + observe_en +
                    "\n";
      continue;
    }
    std::string except = join(d.except_countries, ja ? "・" : ", ");
    if (ja) {
      t.append("  - ").append(d.target).append(": ");
      t.append(except.empty() ? std::string("すべての送信元") : except + " 以外から");
      t.append("の要求を ").append(until).append(" まで（").append(core::format_duration(d.ttl));
      t.append("）拒否").append(observe_ja).append("\n");
    } else {
      t.append("  - ").append(d.target).append(": refused for sources ");
      t.append(except.empty() ? std::string("everywhere") : "outside " + except);
      t.append(" until ").append(until).append(" (").append(core::format_duration(d.ttl));
      t.append(")").append(observe_en).append("\n");
    }
  }
  if (inc.member_decisions > 0) {
    any = true;
    const std::uint64_t addresses = inc.member_decisions - inc.prefix_decisions;
    if (ja) {
      t += "  - 攻撃に加わったアドレス " + std::to_string(addresses) + " 個" +
           (inc.prefix_decisions > 0 ? "と範囲 " + std::to_string(inc.prefix_decisions) + " 個"
                                     : std::string()) +
           "を " + when(inc.until_ts) + " まで遮断" + observe_ja + "\n";
    } else {
      t += "  - " + std::to_string(addresses) + " source addresses" +
           (inc.prefix_decisions > 0 ? " and " + std::to_string(inc.prefix_decisions) + " prefixes"
                                     : std::string()) +
           " denied until " + when(inc.until_ts) + observe_en + "\n";
    }
  }
  if (!any && !reset) {
    t += ja ? "  - 通知のみ（遮断はしていません）\n" : "  - Nothing but this notice.\n";
  }

  // --- what to do now ---------------------------------------------------------------------
  t += ja ? "\n■ 今すぐ行うこと\n" : "\nWhat to do now\n";
  const std::string docroot =
      owner.docroot.empty() ? (ja ? "公開ディレクトリ" : "the document root") : owner.docroot;
  switch (kind) {
    case Kind::FormRelay:
      if (ja) {
        t += "  1. フォームに reCAPTCHA "
             "などの確認を加えてください。使っていないフォームは削除してください。\n"
             "  2. フォームのプラグイン（Contact Form 7 など）、WordPress "
             "本体と他のプラグインを最新版にしてください。\n"
             "  3. " +
             docroot +
             " の下に改ざん・設置されたファイル（最近変わった "
             ".php、心当たりのないファイル）がないか確認してください。\n"
             "  4. アカウント" +
             (owner.account.empty() ? "" : " " + owner.account) +
             " から送られたメール（メールログ、送信キュー）と、サーバーのブロックリスト掲載を確認し"
             "てください。\n";
      } else {
        t +=
            "  1. Add a CAPTCHA (e.g. reCAPTCHA) or another check to the form; remove the form if "
            "it is not used.\n"
            "  2. Update the form plugin (e.g. Contact Form 7), WordPress and every other plugin.\n"
            "  3. Look for tampered or planted files under " +
            docroot +
            " (recently changed .php files, files nobody uploaded).\n"
            "  4. Check the mail sent from the account" +
            (owner.account.empty() ? "" : " " + owner.account) +
            " (mail log, queue) and whether the server is on a block list.\n";
      }
      break;
    case Kind::LoginBruteForce:
      t += ja ? "  1. 推測されやすいパスワードを変更し、二要素認証を有効にしてください。\n"
                "  2. ログイン履歴に心当たりのない成功がないか確認してください。\n"
              : "  1. Change guessable passwords and turn on two-factor authentication.\n"
                "  2. Check the login history for successful logins nobody recognises.\n";
      break;
    case Kind::Scanner:
      t += ja ? "  1. 使っているソフトウェア（CMS、プラグイン）を最新版にしてください。\n"
                "  2. " +
                    docroot +
                    " に不要なファイル（バックアップ、設定ファイル）が公開されていないか確認してく"
                    "ださい。\n"
              : "  1. Update the software the site runs (CMS, plugins).\n"
                "  2. Make sure no backups or configuration files are served from " +
                    docroot + ".\n";
      break;
    case Kind::Domain:
      t += ja ? "  1. `bannin check " + target +
                    "` で詳細と対処（申請先・書く内容）を確認してください。\n"
              : "  1. Run `bannin check " + target +
                    "` for the details and what to do (which form, what to write).\n";
      break;
    case Kind::MailOutbound:
      if (ja) {
        t += "  1. アカウント" + (owner.account.empty() ? "" : " " + owner.account) +
             " の送信キューとメールログで、誰が何を送ったか確認してください（証拠の行にキュー ID "
             "があります）。\n"
             "  2. スクリプト（問い合わせフォーム、メールフォーム）から送られている場合は、そのフ"
             "ォームに reCAPTCHA などを加えるか停止してください。心当たりのないスクリプトなら設置"
             "されたものです。\n"
             "  3. " +
             docroot +
             " の下に改ざん・設置されたファイルがないか確認してください。\n"
             "  4. メールアカウントのパスワードを、他で使ったことのないものに変更してください。\n";
      } else {
        t += "  1. Look at the account" + (owner.account.empty() ? "" : " " + owner.account) +
             "'s mail queue and mail log: who sent what (the evidence lines carry the queue "
             "ids).\n"
             "  2. If a script (a contact or mail form) sent it, add a CAPTCHA to the form or "
             "switch it off; a script nobody knows was planted.\n"
             "  3. Look for tampered or planted files under " +
             docroot +
             ".\n"
             "  4. Change the account's mail passwords to ones never used anywhere else.\n";
      }
      break;
    case Kind::LeakedPassword:
      if (ja) {
        t += "  1. " + inc.user +
             " に新しいパスワードを設定してください。以前のパスワードや、他のサービスで使っている"
             "パスワードは使わないでください（漏えいしたパスワードの使い回しが再発の一番の原因"
             "です）。\n"
             "  2. 12 文字以上で、辞書の単語や名前・日付を含まないもの（パスワード管理ソフトで"
             "作った文字列が最適です）にしてください。\n"
             "  3. このアカウントを使うパソコンやスマートフォンのウイルス対策を確認し、メールソ"
             "フトの設定も新しいパスワードに変えてください。\n";
      } else {
        t += "  1. Choose a new password for " + inc.user +
             ". Do not reuse the old one or one you use for any other service: reusing a "
             "leaked password is the most common reason this happens again.\n"
             "  2. Make it 12 characters or more, with no dictionary words, names or dates (a "
             "password manager's generated string is best).\n"
             "  3. Check the computers and phones that use this login for malware, and update "
             "the password in their mail programs.\n";
      }
      break;
    case Kind::Other:
      t += ja ? "  1. 下の理由を読み、該当するサービスの設定とログを確認してください。\n"
              : "  1. Read the reason below and check the service's settings and logs.\n";
      break;
  }
  for (const auto& d : inc.decisions) {
    if (d.scope == "ip" || d.scope == "prefix" || d.warning) continue;
    const std::string& r = ja && !d.reason_ja.empty() ? d.reason_ja : d.reason;
    if (!r.empty()) t += (ja ? "  理由: " : "  Reason: ") + r + "\n";
    break;
  }

  // --- lifting the measure early ----------------------------------------------------------
  if (any) {
    t += ja ? "\n■ 措置を早く解除するには\n" : "\nLifting the measure early\n";
    std::string contact = options_.operator_hint.empty() ? join(options_.operator_contacts, ", ")
                                                         : options_.operator_hint;
    if (ja) {
      t += "  対策が済んだら、このメールに返信するか" +
           (contact.empty() ? std::string("サーバー管理者") : "サーバー管理者（" + contact + "）") +
           "に解除を依頼してください（管理者は `bannin decisions revoke " + target +
           "` で解除します）。依頼がなければ " + when(inc.until_ts) + " に自動で解除されます。\n";
    } else {
      t += "  When it is fixed, reply to this message or ask " +
           (contact.empty() ? std::string("the server's operator")
                            : "the server's operator (" + contact + ")") +
           " to lift it (they run `bannin decisions revoke " + target +
           "`). Otherwise it ends by itself at " + when(inc.until_ts) + ".\n";
    }
  }
  t += ja ? "\n-- \nbannin（番人）事案 #" + std::to_string(inc.id) + " " + inc.key + "\n"
          : "\n-- \nbannin incident #" + std::to_string(inc.id) + " " + inc.key + "\n";
  n.text = std::move(t);

  // --- the webhook's body -----------------------------------------------------------------
  std::string j = "[";
  {
    core::JsonObjectWriter o(j);
    o.integer("incident", static_cast<std::int64_t>(inc.id));
    o.string("kind", n.kind);
    o.string("language", n.language);
    o.string("rule", inc.rule);
    o.string("title", inc.title);
    o.string("vhost", inc.vhost);
    o.string("path", inc.path);
    o.string("account", owner.account);
    if (!inc.user.empty()) o.string("user", inc.user);
    if (!inc.joined.empty()) {
      o.key("related");
      j.push_back('[');
      for (std::size_t i = 0; i < inc.joined.size(); ++i) {
        if (i != 0) j.push_back(',');
        core::json_append_string(j, inc.joined[i].rule + " " + inc.joined[i].group);
      }
      j.push_back(']');
    }
    o.integer("first_seen", inc.first_ts / core::kNsPerSec);
    o.integer("last_seen", inc.last_ts / core::kNsPerSec);
    o.integer("sources", static_cast<std::int64_t>(sources));
    o.integer("countries", static_cast<std::int64_t>(ncountries));
    if (requests > 0) o.integer("requests", static_cast<std::int64_t>(requests));
    o.integer("findings", static_cast<std::int64_t>(inc.findings));
    o.integer("decisions", static_cast<std::int64_t>(inc.decisions_total));
    o.integer("until", inc.until_ts / core::kNsPerSec);
    o.boolean("enforced", options_.enforce);
    o.key("evidence");
    j.push_back('[');
    for (std::size_t i = 0; i < inc.evidence.size(); ++i) {
      if (i != 0) j.push_back(',');
      core::json_append_string(j, inc.evidence[i]);
    }
    j.push_back(']');
    o.string("subject", n.subject);
    o.string("text", n.text);
    o.close();
  }
  j.push_back(']');
  n.json = std::move(j);
  return n;
}

}  // namespace bannin::notify
