module mooring.local/bench/loadclient

go 1.26
