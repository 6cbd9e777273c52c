import Why401CLI

await Why401Main.main()
