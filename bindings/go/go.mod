module github.com/pocketdock/pocketdock/bindings/go

go 1.24
