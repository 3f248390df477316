import CompanionCLI

await CompanionMain.scp()
