"""Command-line usage errors in the output language: Click's own errors (unknown option or command, bad or missing
value, extra argument) worded from :data:`guanlian.values.vocab.USAGE` instead of Click's English text.

The language is known before parsing can fail: :func:`argv_lang` reads ``--lang`` wherever it stands on the
command line (else env ``GUANLIAN_LANG``, else Chinese). :class:`Group` (the ``guanlian`` group and its
sub-groups) and :class:`Command` (every command, through :class:`App`) raise structured errors for the cases Click
only words as text (no such command, extra arguments); :meth:`Group.main` catches every Click error and prints
one line ``错误: …`` / ``error: …`` with exit status 2 (1 for an abort), like the commands' own errors.

Example:
    >>> argv_lang(["run", "q", "--lang", "en"], {}), argv_lang(["--lang=英文"], {}), argv_lang([], {})
    ('en', 'en', 'zh')
    >>> argv_lang(["stats"], {"GUANLIAN_LANG": "en"}), argv_lang(["--lang", "xx"], {"GUANLIAN_LANG": "en"})
    ('en', 'en')
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from guanlian.values.vocab import LANG, USAGE, Lang, is_lang, parse_choice, pick


def _click_module(name: str) -> ModuleType:
    """A module of the Click that Typer runs on: its own copy (``typer._click``, newer Typer) or the click
    package."""
    own = getattr(typer.core, "_click", None)
    return importlib.import_module(f"{own.__name__ if isinstance(own, ModuleType) else 'click'}.{name}")


errors = _click_module("exceptions")
_NO_ARGS_IS_HELP: tuple[Any, ...] = tuple(
    e for e in (getattr(errors, "NoArgsIsHelpError", None),) if isinstance(e, type))
"""Click 8.2+ says "no arguments: show the help" with an error; older Click prints the help itself."""

LANG_ENV = "GUANLIAN_LANG"
"""Environment variable naming the output language when ``--lang`` is not given (zh or en, 中文 or 英文)."""

OUT_LANG: ContextVar[Lang] = ContextVar("guanlian_cli_lang", default="zh")
"""The language of this command's output: set from the command line before parsing, then by ``--lang``."""


def as_known_lang(text: str | None) -> Lang | None:
    """``text`` as a language if it names one (``zh``, ``英文``, ``English`` …), else None.

    Example:
        >>> as_known_lang("英文"), as_known_lang("fr")
        ('en', None)
    """
    if not text:
        return None
    try:
        code = parse_choice(LANG, text, "--lang")
    except ValueError:
        return None
    return code if is_lang(code) else None


def argv_lang(args: Sequence[str], env: Mapping[str, str]) -> Lang:
    """The output language a command line asks for, read before Click parses it: the last ``--lang X`` or
    ``--lang=X`` that names a language, else env ``GUANLIAN_LANG``, else ``zh``."""
    found: Lang | None = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else (
            arg.removeprefix("--lang=") if arg.startswith("--lang=") else None)
        found = as_known_lang(value) or found
    return found or as_known_lang(env.get(LANG_ENV)) or "zh"


def given(ctx: Any, param: Any) -> bool:
    """Whether the command line or the environment gave ``param`` (not its default)."""
    source = ctx.get_parameter_source(param.name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT")


def usage(key: str, lang: Lang, **values: str) -> str:
    """The text ``key`` of :data:`~guanlian.values.vocab.USAGE` in ``lang`` with ``values`` filled in.

    Example:
        >>> usage("no_such_option", "zh", option="--sevrity")
        '没有选项 --sevrity'
    """
    return pick(USAGE[key], lang).format(**values)


class UnexpectedArguments(Exception):
    """Words left on the command line that no argument or option takes (Click words this case only as text)."""

    exit_code = 2

    def __init__(self, extra: Sequence[str], ctx: Any) -> None:
        super().__init__(f"unexpected extra arguments: {' '.join(extra)}")
        self.extra, self.ctx = list(extra), ctx


class UnknownCommand(Exception):
    """A command name the group does not have (Typer words this case only as text)."""

    exit_code = 2

    def __init__(self, name: str, ctx: Any) -> None:
        super().__init__(f"no such command {name!r}")
        self.name, self.ctx = name, ctx


class Command(TyperCommand):
    """A command that raises :class:`UnexpectedArguments` for extra words (Click only words that case)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True
        rest = super().parse_args(ctx, args)
        ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise UnexpectedArguments(rest, ctx)
        return rest


def _value_after(args: Sequence[str], opts: Sequence[str]) -> str | None:
    """What the command line gave an option (``--limit x`` or ``--limit=x``), for the error message."""
    value = None
    for i, arg in enumerate(args):
        for opt in opts:
            if arg == opt and i + 1 < len(args):
                value = args[i + 1]
            elif arg.startswith(opt + "="):
                value = arg.removeprefix(opt + "=")
    return value


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", None) == "option"


def _param_name(param: Any) -> str:
    if param is None:
        return "?"
    if _is_option(param):
        return "/".join(param.opts)
    return str(param.metavar or param.name).upper()


def _type_words(param: Any, lang: Lang) -> str:
    """What the parameter's type expects (整数 / a whole number): from its Click type (``integer``) or, in Typer
    versions that convert values themselves, from its annotation (``int``)."""
    kind = getattr(getattr(param, "type", None), "name", None)
    if kind is None and hasattr(param, "get_runtime_param"):
        annotation = getattr(param.get_runtime_param(), "annotation", None)
        types = set(get_args(annotation)) | {annotation}
        kind = next((name for t, name in _TYPE_NAMES.items() if t in types), "text")
    key = f"type_{kind}"
    return pick(USAGE[key], lang) if key in USAGE else str(kind)


_TYPE_NAMES: dict[object, str] = {bool: "boolean", int: "integer", float: "float", Path: "path"}


def usage_message(exc: Exception, args: Sequence[str], lang: Lang) -> str:
    """One line for a Click error in ``lang``, from the exception's parts (its option, parameter, value), never
    from its English text.

    Example:
        >>> usage_message(errors.NoSuchOption("--sevrity", possibilities=["--severity"]), [], "zh")
        '没有选项 --sevrity；可能是 --severity'
        >>> usage_message(errors.NoSuchOption("--sevrity", possibilities=["--severity"]), [], "en")
        'no such option --sevrity; did you mean --severity?'
    """
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, errors.NoSuchOption):
        text = usage("no_such_option", lang, option=exc.option_name)
        if exc.possibilities:
            text += usage("did_you_mean", lang, choices=", ".join(sorted(exc.possibilities)))
    elif isinstance(exc, UnknownCommand) and ctx is not None:
        known = sorted(name for name, cmd in ctx.command.commands.items() if not cmd.hidden)
        text = usage("no_such_command", lang, command=exc.name, choices=", ".join(known))
    elif isinstance(exc, errors.BadOptionUsage):  # a flag given a value (--json=1), or an option none
        flag = any(arg.startswith(f"{exc.option_name}=") for arg in args)
        text = usage("flag_takes_no_value" if flag else "option_needs_value", lang, option=exc.option_name)
    elif isinstance(exc, errors.MissingParameter):
        key = "missing_option" if _is_option(exc.param) else "missing_argument"
        text = usage(key, lang, name=_param_name(exc.param))
    elif isinstance(exc, errors.BadParameter):
        opts = list(exc.param.opts) if _is_option(exc.param) else []
        value = _value_after(args, opts) if opts else None
        text = usage("bad_value", lang, name=_param_name(exc.param), value=repr(value) if value is not None else "",
                     expected=_type_words(exc.param, lang))
    elif isinstance(exc, UnexpectedArguments):
        text = usage("extra_arguments", lang, args=" ".join(exc.extra))
    else:  # Click's other usage errors are rare (nargs, files); their English text is not shown in zh
        text = usage("bad_command_line", lang)
    if ctx is not None:
        text += usage("see_help", lang, command=ctx.command_path)
    return text


class Group(TyperGroup):
    """The ``guanlian`` group: every Click error of the whole command line becomes one line in the output
    language (see the module docstring)."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-") and not ctx.resilient_parsing:
            raise UnknownCommand(name, ctx)
        return super().resolve_command(ctx, args)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        OUT_LANG.set(argv_lang(argv, os.environ))
        prog_name = prog_name or self.name  # `guanlian …` in usage and hints, also under `python -m guanlian.cli`
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            rv = super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
        except _NO_ARGS_IS_HELP as exc:  # the help was asked for by giving nothing
            exc.show()
            sys.exit(exc.exit_code)
        except (errors.ClickException, UnexpectedArguments, UnknownCommand) as exc:
            _print_error(usage_message(exc, argv, OUT_LANG.get()))
            sys.exit(exc.exit_code)
        except typer.Abort:  # Click's Abort, wherever this Typer keeps its Click (not in _click.exceptions)
            _print_error(usage("aborted", OUT_LANG.get()))
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


def _print_error(text: str) -> None:
    lang = OUT_LANG.get()
    Console(stderr=True).print(f"[bold red]{pick(USAGE['error'], lang)}:[/] {escape(text)}", highlight=False,
                               soft_wrap=True)


class App(typer.Typer):
    """A Typer app whose groups are :class:`Group` and whose commands are :class:`Command`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=Group, **kwargs)

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None,
                **kwargs: Any) -> Callable[[Any], Any]:
        return super().command(name, cls=cls or Command, **kwargs)

