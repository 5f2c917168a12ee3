/*
 * bannin's shipped YARA rules for planted files in web document roots (probe/file/,
 * docs/accounts.md). Small on purpose: well-known web-shell and mailer markers that almost
 * never occur in legitimate PHP, plus two harmless test strings (like EICAR for anti-virus)
 * so a host can check the whole chain -- scan, finding, quarantine, restore -- with a file
 * that does nothing:
 *
 *   echo 'BANNIN-TEST-WEBSHELL-7F3A' > /var/www/example/wp-content/uploads/bannin-test.php
 *
 * Operators add their own rule files with the config key files.yara_rules. A match adds the
 * reason "yara:<rule identifier>" to the file.found event.
 */

rule bannin_test_webshell
{
    meta:
        description = "bannin's harmless web-shell test string (does nothing)"
    strings:
        $t = "BANNIN-TEST-WEBSHELL-7F3A"
    condition:
        $t
}

rule bannin_test_mailer
{
    meta:
        description = "bannin's harmless mailer test string (does nothing)"
    strings:
        $t = "BANNIN-TEST-MAILER-7F3A"
    condition:
        $t
}

rule webshell_request_eval
{
    meta:
        description = "code from the request run as PHP (China Chopper style one-liners)"
    strings:
        $a = /(eval|assert)\s*\(\s*(@\s*)?\$_(POST|GET|REQUEST|COOKIE)\s*\[/ nocase
        $b = /(eval|assert)\s*\(\s*(@\s*)?base64_decode\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)/ nocase
    condition:
        any of them
}

rule webshell_request_command
{
    meta:
        description = "a shell command taken from the request"
    strings:
        $a = /(system|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(\s*(@\s*)?\$_(POST|GET|REQUEST|COOKIE)\s*\[/ nocase
    condition:
        $a
}

rule webshell_known_families
{
    meta:
        description = "markers of widespread PHP web shells (WSO, c99, r57, b374k, Alfa)"
    strings:
        $wso1 = "FilesMan" fullword
        $wso2 = "WSO " ascii
        $c99 = "c99shell" nocase
        $c99b = "c99_buff_prepare"
        $r57 = "r57shell" nocase
        $b374k = "b374k" nocase
        $alfa = "AlfaTeam" nocase
        $php = "<?php" nocase
    condition:
        $php and (($wso1 and $wso2) or $c99 or $c99b or $r57 or $b374k or $alfa)
}

rule mailer_from_request
{
    meta:
        description = "a mail form sending to addresses taken from the request (spam mailers)"
    strings:
        $a = /mail\s*\(\s*\$_(POST|GET|REQUEST)\s*\[/ nocase
        $leaf = "Leaf PHPMailer" nocase
        $list = /\$_(POST|REQUEST)\s*\[\s*['"](emaillist|mailist|maillist)['"]\s*\]/ nocase
    condition:
        any of them
}
