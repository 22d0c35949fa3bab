module vertxclassifier/bench/go

go 1.19
