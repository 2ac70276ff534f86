package document

// SerifFonts returns the bytes of the embedded Liberation Serif fonts (regular, bold, italic; SIL
// Open Font License 1.1, fonts/OFL.txt), for other renderers of Vietnamese documents on the server
// (the statistics report) that must print with the same typeface. The slices are shared: callers must
// not modify them.
func SerifFonts() (regular, bold, italic []byte) { return serifRegular, serifBold, serifItalic }
