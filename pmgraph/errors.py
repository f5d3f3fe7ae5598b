"""Errors a user can fix: a file, a name, a parameter, an output folder, an endpoint.

Each carries a one-line message that names what is wrong and what to do. The CLI prints it
after ``pmgraph: error:`` and exits with the class's ``exit_code``.

Exit codes: 0 ok, 1 findings, 2 unusable input, 3 endpoint unreachable or refusing, 4 a query
ran out of time (locally or on an endpoint), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations


class PMGraphError(Exception):
    """A problem with the user's input: a file, a name, an option."""

    exit_code = 2


class DataLoadError(PMGraphError):
    """A data, ontology or shapes file is missing, unreadable or not valid Turtle."""


class QueryNotFoundError(PMGraphError):
    """No library query has that name, or the query file does not exist."""


class QueryError(PMGraphError):
    """A query text that cannot be run: not valid SPARQL, or an update."""


class ParameterError(PMGraphError):
    """A query parameter or command option is missing, unknown or not valid for its kind."""


class OutputError(PMGraphError):
    """An output file or folder cannot be written."""


class EndpointError(PMGraphError):
    """A remote SPARQL endpoint cannot be reached or refused the query."""

    exit_code = 3


class QueryTimeoutError(PMGraphError):
    """A query ran longer than its time limit (``--timeout``), locally or on an endpoint."""

    exit_code = 4


#: Exit codes of the command line (see the module docstring).
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ENDPOINT = 3
EXIT_TIMEOUT = 4
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
