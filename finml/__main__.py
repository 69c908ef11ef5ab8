from finml.cli import main

main()
