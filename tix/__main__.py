from tix.cli.boundary import main

main()
