package policy

import (
	"os"
	"testing"
)

func BenchmarkCheckVirtRigaud(b *testing.B) {
	data, err := os.ReadFile("../../examples/policies/virtrigaud.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if pol, _ := Check(data, fixedNow); pol == nil {
			b.Fatal("does not parse")
		}
	}
}

func BenchmarkRenderSecurityMD(b *testing.B) {
	data, _ := os.ReadFile("../../examples/policies/virtrigaud.yaml")
	pol, _ := Check(data, fixedNow)
	for b.Loop() {
		RenderSecurityMD(pol, RenderOptions{BaseURL: "https://embargo.test"})
	}
}
