"""The command line, through typer's runner and real subprocesses."""
