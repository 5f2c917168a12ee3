// The file probe's pure parts (probe/file/content_signs.h): the signs in a file's bytes and
// name, and the reasons they give. Planted-code samples here are harmless strings.
#include <string>

#include <gtest/gtest.h>

#include <bannin/probe/file/content_signs.h>

namespace bannin::probe::file {
namespace {

const std::vector<std::string> kUploads{"wp-content/uploads", "cache", "/tmp"};

TEST(ContentSigns, DecoderChainsAtWordBoundariesOnly) {
  EXPECT_EQ(content_signs("<?php eval(gzinflate(base64_decode('x'))); ?>").decoder_chain,
            "eval(gzinflate(");
  EXPECT_EQ(content_signs("<?php @EVAL ( @base64_decode ($x));").decoder_chain,
            "eval(base64_decode(");
  EXPECT_EQ(content_signs("assert(str_rot13('x'))").decoder_chain, "assert(str_rot13(");
  // Not a chain: another function first, a word that ends in "eval", a decoder not called.
  EXPECT_EQ(content_signs("eval($code)").decoder_chain, "");
  EXPECT_EQ(content_signs("medieval(gzinflate($x))").decoder_chain, "");
  EXPECT_EQ(content_signs("eval(base64_decode_x($x))").decoder_chain, "");
  EXPECT_EQ(content_signs("$f = 'gzinflate'; // eval(").decoder_chain, "");
  // Truncated at every byte: never reads past the end, never a false chain.
  const std::string s = "eval(gzinflate(";
  for (std::size_t n = 0; n < s.size(); ++n)
    EXPECT_EQ(content_signs(s.substr(0, n)).decoder_chain, "");
}

TEST(ContentSigns, Base64RunEntropyElfAndPhpTag) {
  std::string blob(5000, 'A');
  for (std::size_t i = 0; i < blob.size(); i += 7) blob[i] = 'z';
  auto s = content_signs("x=\"" + blob + "\";");
  EXPECT_EQ(s.longest_base64, 5000u);
  EXPECT_EQ(content_signs("short abc").longest_base64, 0u);  // runs under 16 are not counted
  EXPECT_DOUBLE_EQ(shannon_entropy(""), 0);
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abab"), 1);
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_DOUBLE_EQ(shannon_entropy(all), 8);
  EXPECT_TRUE(content_signs(std::string("\x7f"
                                        "ELF\x02\x01",
                                        6))
                  .elf);
  EXPECT_FALSE(content_signs("ELF").elf);
  EXPECT_TRUE(content_signs("GIF89a....<?PHP system('id');").php_open_tag);
  EXPECT_TRUE(content_signs("<?= $x ?>").php_open_tag);
  EXPECT_FALSE(content_signs("<?xml version='1.0'?>").php_open_tag);
}

TEST(ContentSigns, ScriptNamesIncludeDoubleExtensions) {
  for (const char* p : {"/a/b.php", "/a/B.PHP", "x.phtml", "/up/shell.php.jpg", "run.cgi", "a.php7",
                        "/w/x.phar", "y.inc"}) {
    EXPECT_TRUE(is_script_name(p)) << p;
  }
  for (const char* p :
       {"/a/b.jpg", "/a/php/readme.txt", "/a/.php", "phpinfo", "/a/b.php_", "x.js"}) {
    EXPECT_FALSE(is_script_name(p)) << p;
  }
}

TEST(ContentSigns, UploadDirsMatchWholeSegments) {
  EXPECT_TRUE(in_upload_dir("/var/www/s/wp-content/uploads/2026/11/x.php", kUploads));
  EXPECT_TRUE(in_upload_dir("/var/www/s/cache/x.php", kUploads));
  EXPECT_TRUE(in_upload_dir("/tmp/x", kUploads));
  EXPECT_FALSE(in_upload_dir("/var/www/s/wp-content/uploads-old/x.php", kUploads));
  EXPECT_FALSE(in_upload_dir("/var/www/s/nocache/x.php", kUploads));
  EXPECT_FALSE(in_upload_dir("/var/www/tmpl/x.php", kUploads));
  EXPECT_FALSE(in_upload_dir("/tmpx/y", kUploads));
  EXPECT_FALSE(in_upload_dir("/var/www/s/cache", kUploads));  // the directory itself
}

TEST(ContentSigns, ReasonsAtTheirThresholds) {
  SignThresholds t;
  t.base64_min = 100;
  t.entropy_min = 5.0;
  t.entropy_min_bytes = 64;
  ContentSigns s;
  s.size = 64;
  s.longest_base64 = 99;
  s.entropy = 4.99;
  EXPECT_TRUE(sign_reasons("/w/index.php", s, false, t).empty());
  s.longest_base64 = 100;
  EXPECT_EQ(sign_reasons("/w/index.php", s, false, t), std::vector<std::string>{"base64_blob"});
  s.entropy = 5.0;
  EXPECT_EQ(sign_reasons("/w/index.php", s, false, t),
            (std::vector<std::string>{"base64_blob", "high_entropy"}));
  // Not a script: a blob in an image or a font is no sign.
  EXPECT_TRUE(sign_reasons("/w/font.woff", s, false, t).empty());
  s.size = 63;
  EXPECT_EQ(sign_reasons("/w/index.php", s, false, t), std::vector<std::string>{"base64_blob"});
  ContentSigns plain;
  EXPECT_EQ(sign_reasons("/w/up/x.php", plain, true, t),
            std::vector<std::string>{"script_in_upload_dir"});
  EXPECT_TRUE(sign_reasons("/w/up/x.jpg", plain, true, t).empty());
  plain.elf = true;
  EXPECT_EQ(sign_reasons("/w/up/x", plain, true, t),
            std::vector<std::string>{"executable_in_upload_dir"});
  ContentSigns img;
  img.php_open_tag = true;
  EXPECT_EQ(sign_reasons("/w/a/logo.GIF", img, false, t), std::vector<std::string>{"php_in_image"});
  EXPECT_TRUE(sign_reasons("/w/a/readme.txt", img, false, t).empty());
}

}  // namespace
}  // namespace bannin::probe::file
