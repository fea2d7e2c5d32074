"""The Rasa launcher builds a command line that Rasa's own argument parser accepts."""

from __future__ import annotations

from pathlib import Path

from rasa.__main__ import create_argument_parser

from bot.serve_rasa import command


def test_a_token_starting_with_a_dash_reaches_rasa_as_the_auth_token(tmp_path: Path):
    # secrets.token_urlsafe() can start with "-"; as a separate argument argparse
    # took it for an option and Rasa refused to start ("expected one argument").
    argv = command({"RASA_AUTH_TOKEN": "-Xy_z-123"}, tmp_path / "endpoints.yml")

    args = create_argument_parser().parse_args(argv[1:])

    assert args.auth_token == "-Xy_z-123"
    assert args.enable_api is True
    assert args.interface == "127.0.0.1"
