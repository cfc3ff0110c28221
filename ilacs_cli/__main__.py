from ilacs_cli.cli import main

main()
