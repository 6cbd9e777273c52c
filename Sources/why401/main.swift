import Why401CLI

await Why401.main()
