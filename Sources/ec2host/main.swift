import CompanionCLI

await CompanionMain.host()
