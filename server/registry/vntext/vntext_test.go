package vntext

import "testing"

func TestFold(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"address with punctuation", "Số 12, Phố Kim Đồng", "so 12 pho kim dong"},
		{"already folded", "so 12 pho kim dong", "so 12 pho kim dong"},
		{"old tone placement", "Huyện Hoà An", "huyen hoa an"},
		{"new tone placement", "Huyện Hòa An", "huyen hoa an"},
		{"decomposed input", "Ha\u0300 Qua\u0309ng", "ha quang"},
		{"horn in decomposed form", "Tru\u031bo\u031b\u0300ng Ha\u0300", "truong ha"},
		{"upper case and đ", "ĐỨC LONG", "duc long"},
		{"spaces and tabs", "  Tổ 5,\tphường   Tân Giang  ", "to 5 phuong tan giang"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fold(tc.in); got != tc.want {
				t.Fatalf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := Slug("Xã Quảng Lâm"); got != "xa-quang-lam" {
		t.Errorf("Slug = %q", got)
	}
	if got := Key("Mã số thuế"); got != "ma_so_thue" {
		t.Errorf("Key = %q", got)
	}
}
