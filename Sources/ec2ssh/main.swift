import CompanionCLI

await CompanionMain.ssh()
