package gormstore

func init() {
	rowStructs = append(rowStructs, evidenceObjectRow{}, evidenceUploadRow{}, evidenceUploadChunkRow{}, evidenceDeviceUsageRow{})
}
