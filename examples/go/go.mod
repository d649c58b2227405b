module github.com/pocketdock/pocketdock/examples/go

go 1.24

require github.com/pocketdock/pocketdock/bindings/go v0.0.0

replace github.com/pocketdock/pocketdock/bindings/go => ../../bindings/go
