module example.com/gosample

go 1.22

require example.com/vulnlib v1.0.0
