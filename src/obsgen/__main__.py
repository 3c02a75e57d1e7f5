"""`python -m obsgen`: the same as the `obsgen` command."""

from obsgen.cli import main

main()
