from tix.cli.main import main

main()
