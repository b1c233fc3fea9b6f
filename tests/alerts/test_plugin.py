"""The Airflow plugin file loads on its own (as Airflow's plugins manager imports it) and registers the maskers."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[2] / "plugins" / "canbao_plugin.py"


def _load_plugin_module():
    spec = importlib.util.spec_from_file_location("canbao_plugin", PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plugin_registers_mask_macros_under_canbao_name():
    plugin = _load_plugin_module().CanbaoPlugin

    assert plugin.name == "canbao"
    assert {f.__name__ for f in plugin.macros} >= {"mask_id", "mask_name", "mask_phone", "mask_text"}


def test_plugin_names_an_importable_failure_notifier():
    module_name, _, attr = _load_plugin_module().FAILURE_NOTIFIER.rpartition(".")

    notifier = getattr(importlib.import_module(module_name), attr)

    assert callable(notifier)


def test_plugin_is_accepted_by_airflows_plugin_check():
    from airflow.plugins_manager import is_valid_plugin

    assert is_valid_plugin(_load_plugin_module().CanbaoPlugin)


def test_plugin_file_imports_without_network():
    code = (
        "import socket, runpy\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('network at import time')\n"
        "socket.socket.connect = refuse\n"
        f"runpy.run_path({str(PLUGIN)!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
