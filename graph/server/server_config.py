"""The server's ``neo4j.conf`` and Java command line, written from nnstruct's settings at every start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nnstruct.errors import ServerError
from nnstruct.graph.server.paths import ServerPaths, private_dir
from nnstruct.settings import Settings

HOST = "127.0.0.1"  # the server listens on loopback only

# The JVM options Neo4j 5.26's own bin/neo4j passes (its default neo4j.conf `server.jvm.additional` lines plus
# what its bootloader adds), except -XX:+AlwaysPreTouch: it commits the whole heap at start, which a local
# development server on a shared machine should not do.
JVM_OPTIONS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.layout.jsonTemplate.maxStringLength=32768",
    "-Dfile.encoding=UTF-8",
    # A detached server that ran out of memory is better dead (start/status say so) than wedged.
    "-XX:+ExitOnOutOfMemoryError",
)

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"


@dataclass(frozen=True)
class ServerAddress:
    bolt_port: int
    http_port: int

    @property
    def bolt_uri(self) -> str:
        return f"bolt://{HOST}:{self.bolt_port}"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.http_port}/"

    @property
    def browser_url(self) -> str:
        return f"http://{HOST}:{self.http_port}/browser/"


def heap_size(settings: Settings) -> str:
    return settings.neo4j_heap  # a JVM size: checked where settings are read (nnstruct/settings.py)


def address_from_settings(settings: Settings) -> ServerAddress:
    return ServerAddress(settings.bolt_port, settings.http_port)  # ports checked in nnstruct/settings.py


def write_config(paths: ServerPaths, settings: Settings) -> ServerAddress:
    """Write ``conf/neo4j.conf`` (regenerated at every start: edits there do not last)."""
    address = address_from_settings(settings)
    if address.bolt_port == address.http_port:
        raise ServerError(f"bolt_port and http_port are both {address.bolt_port}; give them different ports")
    heap = heap_size(settings)
    lines = [
        "# Written by `nnstruct neo4j start` from nnstruct's settings; regenerated at every start.",
        f"server.default_listen_address={HOST}",
        f"server.default_advertised_address={HOST}",
        f"server.bolt.listen_address={HOST}:{address.bolt_port}",
        f"server.bolt.advertised_address={HOST}:{address.bolt_port}",
        f"server.http.listen_address={HOST}:{address.http_port}",
        f"server.http.advertised_address={HOST}:{address.http_port}",
        "server.https.enabled=false",
        f"server.memory.heap.initial_size={heap}",
        f"server.memory.heap.max_size={heap}",
        f"server.memory.pagecache.size={settings.neo4j_pagecache}",
        f"server.directories.data={paths.data_dir}",
        f"server.directories.logs={paths.logs_dir}",
        f"server.directories.run={paths.run_dir}",
        # Query files are other people's text: LOAD CSV reads only the (empty, owner-only) import folder, no
        # file:/// URL anywhere on the machine, and no address on any network.
        f"server.directories.import={paths.import_dir}",
        "dbms.security.allow_csv_import_from_file_urls=false",
        "internal.dbms.cypher_ip_blocklist=0.0.0.0/0,::/0",
        "dbms.security.auth_enabled=true",
        "dbms.usage_report.enabled=false",
        "db.tx_log.rotation.retention_policy=2 days 2G",
        # Bolt's shutdown waits 5 s twice for connections after the databases are already checkpointed and
        # closed; 1 s each makes `nnstruct neo4j stop` take ~3 s instead of ~12 s.
        "internal.server.bolt.connection_shutdown_wait_time=1s",
        "internal.dbms.bolt.netty_server_shutdown_quiet_period=1",
    ]
    for folder in (paths.data_dir, paths.logs_dir, paths.import_dir):
        private_dir(folder)
    paths.conf_dir.mkdir(parents=True, exist_ok=True)
    paths.conf_file.write_text("\n".join(lines) + "\n")
    return address


def address_from_config(paths: ServerPaths) -> ServerAddress | None:
    """The ports the last start wrote, i.e. where a running server listens (None before the first start)."""
    try:
        text = paths.conf_file.read_text()
    except OSError:
        return None
    ports = dict(re.findall(r"^server\.(bolt|http)\.listen_address=.*:(\d+)$", text, flags=re.MULTILINE))
    if "bolt" not in ports or "http" not in ports:
        return None
    return ServerAddress(int(ports["bolt"]), int(ports["http"]))


def java_environment(paths: ServerPaths, base: dict[str, str]) -> dict[str, str]:
    """Environment for the server and admin tool: NEO4J_HOME/NEO4J_CONF point at this home's folders."""
    return {**base, "NEO4J_HOME": str(paths.root), "NEO4J_CONF": str(paths.conf_dir)}


def classpath(paths: ServerPaths) -> str:
    return f"{paths.lib_dir}/*"


def server_command(java: Path, paths: ServerPaths, settings: Settings) -> list[str]:
    heap = heap_size(settings)
    return [
        str(java), f"-Xms{heap}", f"-Xmx{heap}", *JVM_OPTIONS, "-cp", classpath(paths), ENTRY_POINT,
        f"--home-dir={paths.root}", f"--config-dir={paths.conf_dir}", "--console-mode",
    ]


def admin_command(java: Path, paths: ServerPaths, *args: str) -> list[str]:
    return [str(java), "-Xmx256m", *JVM_OPTIONS, "-cp", classpath(paths), ADMIN_TOOL, *args]
