"""Vocabulary of the IOS management-plane parser (``management.py``), kept as data so a reviewer
can read which lines are dropped on purpose: they tune, label or log, but decide neither who
reaches the device nor what it reaches (Cisco IOS Security, Network Management and Basic System
Management command references).
"""

from __future__ import annotations

from validator.model.management import LineKind

# read and dropped: they tune, label or log, but decide neither access nor reachability
DROPPED: tuple[tuple[str, ...], ...] = tuple(
    tuple(s.split())
    for s in (
        "aaa session-id",
        "aaa authentication password-prompt",
        "aaa authentication username-prompt",
        "aaa authentication banner",
        "aaa authentication fail-message",
        "aaa authentication attempts",
        "aaa authentication login privilege-mode",
        "aaa authorization console",
        "aaa authorization config-commands",
        "aaa accounting update",
        "aaa accounting delay-start",
        "aaa accounting send",
        "tacacs-server key",
        "tacacs-server timeout",
        "tacacs-server directed-request",
        "radius-server key",
        "radius-server timeout",
        "radius-server retransmit",
        "radius-server deadtime",
        "radius-server attribute",
        "radius-server dead-criteria",
        "ip tacacs timeout",
        "ip radius timeout",
        "snmp-server location",
        "snmp-server contact",
        "snmp-server chassis-id",
        "snmp-server ifindex",
        "snmp-server enable",
        "snmp-server trap",
        "snmp-server queue-length",
        "snmp-server packetsize",
        "snmp-server system-shutdown",
        "snmp-server view",
        "snmp-server engineid",
        "snmp-server manager",
        "logging buffered",
        "logging console",
        "logging monitor",
        "logging trap",
        "logging facility",
        "logging origin-id",
        "logging on",
        "logging rate-limit",
        "logging queue-limit",
        "logging history",
        "logging event",
        "logging userinfo",
        "logging count",
        "logging snmp-trap",
        "logging discriminator",
        "ntp authenticate",
        "ntp authentication-key",
        "ntp trusted-key",
        "ntp update-calendar",
        "ntp logging",
        "ntp master",
        "ntp max-associations",
        "ip ssh time-out",
        "ip ssh authentication-retries",
        "ip ssh logging",
        "ip ssh rsa",
        "ip ssh pubkey-chain",
        "ip ssh server",
        "ip ssh dh",
        "ip ssh maxstartups",
        "ip ssh dscp",
        "ip ssh precedence",
        "ip ssh window-size",
        "ip http authentication",
        "ip http max-connections",
        "ip http timeout-policy",
        "ip http port",
        "ip http secure-port",
        "ip http secure-trustpoint",
        "ip http secure-ciphersuite",
        "ip http path",
        "ip http client",
        "ip http session-module-list",
        "ip http active-session-modules",
        "ip http secure-active-session-modules",
    )
)

LIST_TYPES = {
    "authentication": ("login", "enable", "ppp", "dot1x", "arap", "nasi", "sgbp", "eou"),
    "authorization": ("exec", "commands", "network", "configuration", "reverse-access", "auth-proxy", "ipmobile"),
    "accounting": ("exec", "commands", "network", "connection", "system", "resource", "auth-proxy", "dot1x"),
}
RECORD_TYPES = ("start-stop", "stop-only", "none")
LINE_KINDS: dict[str, LineKind] = {"vty": "vty", "con": "con", "console": "con", "aux": "aux"}
SERVER_MODE = ("address", "key", "timeout", "port", "single-connection", "send-nat-address", "auth-port", "acct-port")
SERVER_MODEDROPPED = ("key", "timeout", "single-connection", "send-nat-address", "retransmit", "automate-tester")
