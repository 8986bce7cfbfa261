"""Vendor detection as Batfish's VendorConfigurationFormatDetector: NX-OS and IOS-XR files are
refused with one line naming the file, with or without a RANCID header (issue 9, item 8)."""

from __future__ import annotations

import pytest

from validator.errors import ConfigParseError
from validator.parsers import detect_vendor, parse_config

IOS = "!\nversion 15.2\nhostname r1\ninterface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("!RANCID-CONTENT-TYPE: cisco-nx\nhostname n1\n", "NX-OS"),
        ("!RANCID-CONTENT-TYPE: cisco-xr\nhostname x1\n", "IOS-XR"),
        ("!RANCID-CONTENT-TYPE: ios-xr7\nhostname x1\n", "IOS-XR"),
        # RANCID ``cisco`` says nothing about the flavour: the syntax decides, as in Batfish
        ("!RANCID-CONTENT-TYPE: cisco\nfeature bgp\nhostname n1\n", "NX-OS"),
        ("!Command: show running-config\nversion 9.3(5) Bios:version 05.39\nhostname n1\n", "NX-OS"),
        ("hostname n1\nfeature ospf\nfeature interface-vlan\ninterface Ethernet1/1\n", "NX-OS"),
        ("hostname n1\nboot nxos bootflash:/nxos.9.3.5.bin\n", "NX-OS"),
        ("!! IOS XR Configuration 7.3.2\nhostname x1\ninterface HundredGigE0/0/0/0\n", "IOS-XR"),
        ("hostname x1\nroute-policy PASS\n  pass\nend-policy\n", "IOS-XR"),
        ("hostname x1\ninterface Bundle-Ether10\n ipv4 address 10.0.0.1 255.255.255.0\n", "IOS-XR"),
        ("hostname x1\nipv4 access-list EDGE\n 10 permit ipv4 any any\n", "IOS-XR"),
    ],
)
def test_nxos_and_iosxr_are_refused_naming_the_file(text: str, label: str) -> None:
    with pytest.raises(ConfigParseError, match=label) as ei:
        detect_vendor(text, "configs/x.cfg")
    assert ei.value.file == "configs/x.cfg"
    assert "\n" not in str(ei.value)
    with pytest.raises(ConfigParseError, match="unsupported vendor"):
        parse_config(text, "configs/x.cfg")


@pytest.mark.parametrize(
    "text",
    [
        IOS,
        "!RANCID-CONTENT-TYPE: cisco\n" + IOS,
        "!RANCID-CONTENT-TYPE: ios\n" + IOS,
        "!BATFISH_FORMAT: cisco_ios\n" + IOS,
        IOS + " description uplink to the IOS XR core\n",  # text, not a comment
    ],
)
def test_ios_files_are_ios(text: str) -> None:
    assert detect_vendor(text, "configs/r1.cfg") == "cisco_ios"


def test_batfish_format_header_other_than_ios_is_refused() -> None:
    with pytest.raises(ConfigParseError, match="BATFISH_FORMAT"):
        detect_vendor("!BATFISH_FORMAT: paloalto\nhostname a\n", "configs/a.cfg")  # arista is parsed now
