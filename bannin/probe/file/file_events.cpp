#include <bannin/probe/file/file_events.h>

namespace bannin::probe::file {

std::string reasons_text(const std::vector<std::string>& reasons) {
  std::string out;
  for (const std::string& r : reasons) {
    if (!out.empty()) out += ',';
    out += r;
  }
  return out;
}

std::string reasons_words(const std::vector<std::string>& reasons) {
  std::string out;
  for (const std::string& r : reasons) {
    std::string w;
    if (r.rfind("yara:", 0) == 0) {
      w = "matches YARA rule " + r.substr(5);
    } else if (r == "script_in_upload_dir") {
      w = "a script in an upload or cache directory";
    } else if (r == "executable_in_upload_dir") {
      w = "a Linux executable in an upload or cache directory";
    } else if (r == "decoder_chain") {
      w = "code hidden behind eval(decoder(...))";
    } else if (r == "base64_blob") {
      w = "a long base64 blob";
    } else if (r == "high_entropy") {
      w = "text as random as compressed data";
    } else if (r == "php_in_image") {
      w = "PHP code inside an image file";
    } else {
      w = r;
    }
    if (!out.empty()) out += "; ";
    out += w;
  }
  return out;
}

void for_each_event(const std::vector<FileHit>& hits, core::TimeNs now,
                    const std::function<void(const model::Event&)>& sink) {
  model::Event ev;
  std::string reasons, words;
  for (const FileHit& h : hits) {
    ev.reset();
    ev.set_kind(model::EventKind::FileFound);
    ev.set_ts(now);
    ev.set_string(model::Field::FilePath, h.path);
    if (!h.account.empty()) ev.set_string(model::Field::Account, h.account);
    if (h.uid >= 0) ev.set_int(model::Field::Uid, h.uid);
    if (!h.vhost.empty()) ev.set_string(model::Field::Vhost, h.vhost);
    reasons = reasons_text(h.reasons);
    ev.set_string(model::Field::Reason, reasons);
    ev.set_string(model::Field::State, h.change);
    ev.set_int(model::Field::Size, h.size);
    if (!h.sha256.empty()) ev.set_string(model::Field::Sha256, h.sha256);
    words = reasons_words(h.reasons);
    ev.set_string(model::Field::Detail, words);
    sink(ev);
  }
}

}  // namespace bannin::probe::file
