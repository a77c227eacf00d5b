module libtaskstats/taskstats

go 1.19
