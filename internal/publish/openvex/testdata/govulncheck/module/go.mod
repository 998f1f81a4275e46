module example.com/vexsample

go 1.22
