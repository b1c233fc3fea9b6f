"""`canbao services up|down|status|env`: the local stack (see canbao/services/stack.py)."""

from __future__ import annotations

import argparse

from canbao.settings import canbao_home


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("services", help="start, stop or inspect the local services (PostgreSQL, SFTP, Airflow, ...)")
    ss = p.add_subparsers(dest="services_command", metavar="ACTION")
    up = ss.add_parser("up", help="start every service not already running")
    up.add_argument("--no-airflow", action="store_true", help="start everything but Airflow")
    up.set_defaults(func=_up)
    ss.add_parser("down", help="stop every process the stack started (by pid)").set_defaults(func=_down)
    ss.add_parser("status", help="what is running").set_defaults(func=_status)
    ss.add_parser("env", help="print the shell exports of this stack").set_defaults(func=_env)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _stack():
    from canbao.services.stack import Stack

    return Stack(canbao_home())


def _up(args) -> int:
    stack = _stack()
    stack.up(airflow=not args.no_airflow)
    for name, state in stack.status().items():
        print(f"  {name:<24} {state}")
    print(f"environment: source {stack.home / 'env'}")
    return 0


def _down(args) -> int:
    stopped = _stack().down()
    print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    return 0


def _status(args) -> int:
    for name, state in _stack().status().items():
        print(f"  {name:<24} {state}")
    return 0


def _env(args) -> int:
    stack = _stack()
    print((stack.home / "env").read_text() if (stack.home / "env").exists() else stack.write_env_file().read_text())
    return 0
