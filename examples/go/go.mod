module example.com/tstats-go

go 1.19
