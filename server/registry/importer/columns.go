package importer

import (
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/registry/vntext"
)

// Column keys: the English header of each column, also the name reports use.
const (
	colSubjectKind             = "subject_kind"
	colSubjectName             = "subject_name"
	colTaxCode                 = "tax_code"
	colIDNumber                = "id_number"
	colLegalRepresentative     = "legal_representative"
	colSubjectAddress          = "subject_address"
	colPhone                   = "phone"
	colSiteType                = "site_type"
	colSiteName                = "site_name"
	colSiteAddress             = "site_address"
	colUnitCodes               = "unit_codes"
	colLatitude                = "latitude"
	colLongitude               = "longitude"
	colInstrumentKind          = "instrument_kind"
	colSerial                  = "serial"
	colModel                   = "model"
	colManufacturer            = "manufacturer"
	colPatternApproval         = "pattern_approval"
	colVerificationCertificate = "verification_certificate"
	colVerificationExpiry      = "verification_expiry"
	colSealState               = "seal_state"
	colInspectionExpiry        = "inspection_expiry"
	colLicenceKind             = "licence_kind"
	colLicenceNumber           = "licence_number"
	colLicenceHolder           = "licence_holder"
	colLicenceScope            = "licence_scope"
	colLicenceIssued           = "licence_issued"
	colLicenceExpiry           = "licence_expiry"
)

// column is one column of the layout: its key (the English header), its Vietnamese header, other
// headers people write for it, and whether the header must have it. Headers match after folding
// (case, diacritics and punctuation ignored), so "Mã số thuế", "MA SO THUE" and "tax_code" are one.
type column struct {
	key      string
	vi       string
	aliases  []string
	required bool
	date     bool
}

// Columns is the layout of a registry import file, in the order of the documentation
// (docs/registry-import.md) and the example file.
var columns = []column{
	{key: colSubjectKind, vi: "Loại đối tượng", required: true},
	{key: colSubjectName, vi: "Tên đối tượng", required: true},
	{key: colTaxCode, vi: "Mã số thuế", aliases: []string{"MST", "Mã số doanh nghiệp"}},
	{key: colIDNumber, vi: "Số định danh cá nhân", aliases: []string{"Số CCCD", "CCCD", "Số căn cước"}},
	{key: colLegalRepresentative, vi: "Người đại diện", aliases: []string{"Người đại diện theo pháp luật", "Chủ cơ sở"}},
	{key: colSubjectAddress, vi: "Địa chỉ đối tượng", aliases: []string{"Địa chỉ trụ sở"}},
	{key: colPhone, vi: "Điện thoại", aliases: []string{"Số điện thoại"}},
	{key: colSiteType, vi: "Loại cơ sở", required: true},
	{key: colSiteName, vi: "Tên cơ sở", required: true},
	{key: colSiteAddress, vi: "Địa chỉ cơ sở", required: true},
	{key: colUnitCodes, vi: "Mã đơn vị hành chính", required: true, aliases: []string{"Mã ĐVHC"}},
	{key: colLatitude, vi: "Vĩ độ", aliases: []string{"lat"}},
	{key: colLongitude, vi: "Kinh độ", aliases: []string{"lon", "lng"}},
	{key: colInstrumentKind, vi: "Loại thiết bị"},
	{key: colSerial, vi: "Số sản xuất", aliases: []string{"Số hiệu", "Serial number"}},
	{key: colModel, vi: "Kiểu", aliases: []string{"Kiểu, ký hiệu", "Ký hiệu"}},
	{key: colManufacturer, vi: "Nhà sản xuất", aliases: []string{"Hãng sản xuất"}},
	{key: colPatternApproval, vi: "Số phê duyệt mẫu", aliases: []string{"Số quyết định phê duyệt mẫu"}},
	{key: colVerificationCertificate, vi: "Số giấy chứng nhận kiểm định", aliases: []string{"Số GCN kiểm định"}},
	{key: colVerificationExpiry, vi: "Hạn kiểm định", date: true},
	{key: colSealState, vi: "Tình trạng niêm phong"},
	{key: colInspectionExpiry, vi: "Hạn kiểm tra chất lượng", date: true, aliases: []string{"Hạn kiểm định X-quang"}},
	{key: colLicenceKind, vi: "Loại giấy phép"},
	{key: colLicenceNumber, vi: "Số giấy phép"},
	{key: colLicenceHolder, vi: "Người được cấp"},
	{key: colLicenceScope, vi: "Phạm vi"},
	{key: colLicenceIssued, vi: "Ngày cấp", date: true},
	{key: colLicenceExpiry, vi: "Ngày hết hạn", date: true},
}

// columnIndex maps every folded header a column answers to to the column's index in columns.
var columnIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range columns {
		m[vntext.Key(c.key)] = i
		m[vntext.Key(c.vi)] = i
		for _, a := range c.aliases {
			m[vntext.Key(a)] = i
		}
	}
	return m
}()

// The values each kind column accepts besides its codes: Vietnamese names, folded.
var (
	subjectKindNames = map[string]registry.SubjectKind{
		"to chuc": registry.Organisation, "doanh nghiep": registry.Organisation, "cong ty": registry.Organisation,
		"ca nhan":       registry.Individual,
		"ho kinh doanh": registry.HouseholdBusiness, "ho kinh doanh ca the": registry.HouseholdBusiness,
	}
	siteTypeNames = map[string]registry.SiteType{
		"cua hang xang dau": registry.FuelStation, "cua hang ban le xang dau": registry.FuelStation, "cay xang": registry.FuelStation,
		"cho": registry.Market, "cua hang": registry.Shop, "sieu thi": registry.Shop,
		"co so x quang": registry.XRayFacility, "x quang": registry.XRayFacility, "khac": registry.OtherSiteType,
	}
	instrumentKindNames = map[string]registry.InstrumentKind{
		"cot do xang dau": registry.FuelDispenser, "cot do": registry.FuelDispenser, "cot xang": registry.FuelDispenser,
		"can": registry.Scale, "thiet bi x quang": registry.XRayDevice, "may x quang": registry.XRayDevice,
		"khac": registry.OtherInstrumentKind,
	}
	sealStateNames = map[string]registry.SealState{
		"nguyen ven": registry.SealIntact, "con nguyen": registry.SealIntact, "bi pha": registry.SealBroken,
		"dut": registry.SealBroken, "khong co": registry.SealMissing, "chua ro": registry.SealUnknown,
	}
	licenceKindNames = map[string]registry.LicenceKind{
		"giay phep tien hanh cong viec buc xa": registry.RadiationWorkLicence, "giay phep buc xa": registry.RadiationWorkLicence,
		"chung chi nhan vien buc xa":                   registry.RadiationWorkerCertificate,
		"giay chung nhan du dieu kien ban le xang dau": registry.StationEligibilityCertificate,
		"giay chung nhan du dieu kien":                 registry.StationEligibilityCertificate,
	}
)

// kindOf reads a kind column: its code ("fuel_station", any case) or one of its Vietnamese names.
// A value that is neither comes back as written, for validation to refuse.
func kindOf[K ~string](v string, codes []K, names map[string]K) K {
	key := vntext.Fold(v)
	for _, c := range codes {
		if key == vntext.Fold(string(c)) {
			return c
		}
	}
	if k, ok := names[key]; ok {
		return k
	}
	return K(v)
}

// columnOf maps the field of an entity, as validation names it, to its column.
var (
	subjectColumns = map[string]string{registry.FieldKind: colSubjectKind, registry.FieldName: colSubjectName,
		registry.FieldTaxCode: colTaxCode, registry.FieldIDNumber: colIDNumber, registry.FieldLegalRepresentative: colLegalRepresentative,
		registry.FieldAddress: colSubjectAddress, registry.FieldPhone: colPhone}
	siteColumns = map[string]string{registry.FieldType: colSiteType, registry.FieldName: colSiteName,
		registry.FieldAddress: colSiteAddress, registry.FieldUnits: colUnitCodes, registry.FieldLat: colLatitude, registry.FieldLon: colLongitude}
	instrumentColumns = map[string]string{registry.FieldKind: colInstrumentKind, registry.FieldSerial: colSerial, registry.FieldModel: colModel,
		registry.FieldManufacturer: colManufacturer, registry.FieldPatternApproval: colPatternApproval,
		registry.FieldVerificationCertificate: colVerificationCertificate, registry.FieldVerificationExpiry: colVerificationExpiry,
		registry.FieldSealState: colSealState, registry.FieldInspectionExpiry: colInspectionExpiry}
	licenceColumns = map[string]string{registry.FieldKind: colLicenceKind, registry.FieldNumber: colLicenceNumber,
		registry.FieldHolderName: colLicenceHolder, registry.FieldScope: colLicenceScope, registry.FieldIssued: colLicenceIssued,
		registry.FieldExpiry: colLicenceExpiry}
)
