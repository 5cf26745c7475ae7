package luks2

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// keyslot is a validated luks2 keyslot.
type keyslot struct {
	id         int
	priority   int // 0 ignore, 1 normal, 2 high
	afHash     string
	areaOffset int64
	areaSize   int64
	kdf        KDF
	kdfHash    string // PBKDF2 only
	iterations int    // PBKDF2 only
	timeCost   int    // Argon2 only
	memoryKiB  int    // Argon2 only
	threads    int    // Argon2 only
	salt       []byte
	digest     int // id of the digest this keyslot is assigned to
}

// digest is a validated pbkdf2 digest of a volume key.
type digest struct {
	id         int
	keyslots   []int
	segments   []int
	hash       string
	iterations int
	salt       []byte
	value      []byte
}

// segment is the validated crypt segment "0".
type segment struct {
	offset     int64
	size       int64 // -1 for "dynamic"
	sectorSize int
	encryption string
}

// metadata is the validated JSON area of one header copy.
type metadata struct {
	jsonSize     int64
	keyslotsSize int64
	keyslots     []keyslot // sorted by id
	digests      []digest  // sorted by id
	seg          segment
}

// JSON shapes. Pointers tell a missing object from an empty one.
type (
	jsDoc struct {
		Keyslots map[string]json.RawMessage `json:"keyslots"`
		Tokens   map[string]json.RawMessage `json:"tokens"`
		Segments map[string]json.RawMessage `json:"segments"`
		Digests  map[string]json.RawMessage `json:"digests"`
		Config   *jsConfig                  `json:"config"`
	}
	jsConfig struct {
		JSONSize     *string  `json:"json_size"`
		KeyslotsSize *string  `json:"keyslots_size"`
		Flags        []string `json:"flags"`
		Requirements *jsReqs  `json:"requirements"`
	}
	jsReqs struct {
		Mandatory []string `json:"mandatory"`
	}
	jsTyped struct {
		Type *string `json:"type"`
	}
	jsKeyslot struct {
		KeySize  *int    `json:"key_size"`
		Priority *int    `json:"priority"`
		AF       *jsAF   `json:"af"`
		Area     *jsArea `json:"area"`
		KDF      *jsKDF  `json:"kdf"`
	}
	jsAF struct {
		Type    string `json:"type"`
		Stripes int    `json:"stripes"`
		Hash    string `json:"hash"`
	}
	jsArea struct {
		Type       string  `json:"type"`
		Encryption string  `json:"encryption"`
		KeySize    int     `json:"key_size"`
		Offset     *string `json:"offset"`
		Size       *string `json:"size"`
	}
	jsKDF struct {
		Type       string `json:"type"`
		Hash       string `json:"hash"`
		Iterations int64  `json:"iterations"`
		Time       int64  `json:"time"`
		Memory     int64  `json:"memory"`
		CPUs       int64  `json:"cpus"`
		Salt       []byte `json:"salt"`
	}
	jsDigest struct {
		Keyslots   []string `json:"keyslots"`
		Segments   []string `json:"segments"`
		Hash       string   `json:"hash"`
		Iterations int64    `json:"iterations"`
		Salt       []byte   `json:"salt"`
		Digest     []byte   `json:"digest"`
	}
	jsSegment struct {
		Offset     *string         `json:"offset"`
		Size       *string         `json:"size"`
		IVTweak    *string         `json:"iv_tweak"`
		Encryption string          `json:"encryption"`
		SectorSize int             `json:"sector_size"`
		Integrity  json.RawMessage `json:"integrity"`
		Flags      []string        `json:"flags"`
	}
	jsToken struct {
		Keyslots []string `json:"keyslots"`
	}
)

func corrupt(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, a...)...)
}

func unsupported(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, a...)...)
}

// parseID parses an object name: a canonical decimal number below max.
func parseID(s, what string, max int) (int, error) {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, corrupt("%s name %q", what, s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, corrupt("%s name %q", what, s)
	}
	if n >= max {
		return 0, unsupported("%s number %d (at most %d)", what, n, max-1)
	}
	return n, nil
}

// parseU64 parses a LUKS2 "string-uint64" that must fit an int64.
func parseU64(p *string, field string) (int64, error) {
	if p == nil {
		return 0, corrupt("missing %s", field)
	}
	s := *p
	if s == "" || len(s) > 19 {
		return 0, corrupt("%s %q", field, s)
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, corrupt("%s %q", field, s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, corrupt("%s %q", field, s)
	}
	return n, nil
}

// jsonText returns the JSON text of a JSON area: the bytes before the NUL.
func jsonText(area []byte) ([]byte, error) {
	i := bytes.IndexByte(area, 0)
	if i < 0 {
		return nil, corrupt("JSON area is not NUL-terminated")
	}
	return area[:i], nil
}

// strictUnmarshal decodes one JSON value; trailing data is an error. Key
// names must match exactly: encoding/json would accept "Keyslots" or
// "KDF" for "keyslots" and "kdf" (it folds case), which cryptsetup rejects.
func strictUnmarshal(b []byte, v any, what string) error {
	if err := json.Unmarshal(b, v); err != nil {
		return corrupt("%s: %v", what, err)
	}
	return checkKeyNames(b, reflect.TypeOf(v), what)
}

// checkKeyNames fails if an object in b that decodes into a struct of type
// t (through pointers and nested struct fields) has a key that equals one
// of the struct's JSON names only when case is folded. Maps are checked
// when their values are decoded; other keys are ignored, as json ignores
// them.
func checkKeyNames(b []byte, t reflect.Type, what string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil || obj == nil {
		return nil // not an object (null): the typed decode judged it
	}
	for _, key := range sortedKeys(obj) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case key == name:
				if err := checkKeyNames(obj[key], f.Type, what+"."+name); err != nil {
					return err
				}
			case strings.EqualFold(key, name):
				return corrupt("%s: key %q (the name is %q)", what, key, name)
			}
		}
	}
	return nil
}

// decodeTyped decodes a typed LUKS2 object (a segment, keyslot, digest or
// token) into v after checking its "type": missing is [ErrCorrupt], other
// than want (when want is not empty) is [ErrUnsupported], checked before
// the rest of the object is decoded.
func decodeTyped(raw json.RawMessage, want string, v any, what string) error {
	var t jsTyped
	if err := strictUnmarshal(raw, &t, what); err != nil {
		return err
	}
	switch {
	case t.Type == nil:
		return corrupt("%s has no type", what)
	case want != "" && *t.Type != want:
		return unsupported("%s type %q (only %s)", what, *t.Type, want)
	}
	return strictUnmarshal(raw, v, what)
}

// parseMetadata validates the JSON text of a header whose metadata copy is
// hdrSize bytes, on a device of devSize bytes.
func parseMetadata(text []byte, hdrSize, devSize int64) (*metadata, error) {
	var doc jsDoc
	if err := strictUnmarshal(text, &doc, "JSON metadata"); err != nil {
		return nil, err
	}
	if doc.Keyslots == nil || doc.Tokens == nil || doc.Segments == nil || doc.Digests == nil || doc.Config == nil {
		return nil, corrupt("JSON metadata lacks one of keyslots, tokens, segments, digests, config")
	}
	m := &metadata{}
	if err := m.parseConfig(doc.Config, hdrSize); err != nil {
		return nil, err
	}
	if err := m.parseSegments(doc.Segments, hdrSize, devSize); err != nil {
		return nil, err
	}
	if err := m.parseKeyslots(doc.Keyslots, hdrSize); err != nil {
		return nil, err
	}
	if err := m.parseDigests(doc.Digests); err != nil {
		return nil, err
	}
	if err := m.parseTokens(doc.Tokens); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *metadata) parseConfig(c *jsConfig, hdrSize int64) error {
	var err error
	if m.jsonSize, err = parseU64(c.JSONSize, "config.json_size"); err != nil {
		return err
	}
	if m.jsonSize != hdrSize-binHeaderSize {
		return corrupt("config.json_size %d with header size %d", m.jsonSize, hdrSize)
	}
	if m.keyslotsSize, err = parseU64(c.KeyslotsSize, "config.keyslots_size"); err != nil {
		return err
	}
	if m.keyslotsSize%areaAlign != 0 || m.keyslotsSize > maxKeyslotsSize {
		return corrupt("config.keyslots_size %d", m.keyslotsSize)
	}
	if c.Requirements != nil && len(c.Requirements.Mandatory) > 0 {
		return unsupported("mandatory requirements %q", c.Requirements.Mandatory)
	}
	return nil
}

func (m *metadata) parseSegments(segs map[string]json.RawMessage, hdrSize, devSize int64) error {
	if len(segs) != 1 || segs["0"] == nil {
		return unsupported("%d segments (only one, named \"0\")", len(segs))
	}
	var s jsSegment
	if err := decodeTyped(segs["0"], "crypt", &s, "segment 0"); err != nil {
		return err
	}
	if len(s.Integrity) > 0 && string(s.Integrity) != "null" {
		return unsupported("segment integrity")
	}
	if len(s.Flags) > 0 {
		return unsupported("segment flags %q", s.Flags)
	}
	if s.Encryption != "aes-xts-plain64" {
		return unsupported("segment encryption %q (only aes-xts-plain64)", s.Encryption)
	}
	switch s.SectorSize {
	case 512, 1024, 2048, 4096:
	default:
		return corrupt("segment sector_size %d", s.SectorSize)
	}
	tweak, err := parseU64(s.IVTweak, "segment iv_tweak")
	if err != nil {
		return err
	}
	if tweak != 0 {
		return unsupported("segment iv_tweak %d (only 0)", tweak)
	}
	m.seg = segment{sectorSize: s.SectorSize, encryption: s.Encryption, size: -1}
	if m.seg.offset, err = parseU64(s.Offset, "segment offset"); err != nil {
		return err
	}
	if m.seg.offset == 0 {
		return unsupported("data offset 0 (detached header)")
	}
	if m.seg.offset%int64(s.SectorSize) != 0 {
		return corrupt("segment offset %d is not a multiple of sector size %d", m.seg.offset, s.SectorSize)
	}
	if end := 2*hdrSize + m.keyslotsSize; m.seg.offset < end {
		return corrupt("segment offset %d inside the metadata (ends at %d)", m.seg.offset, end)
	}
	if m.seg.offset > devSize {
		return corrupt("segment offset %d beyond the device (%d bytes)", m.seg.offset, devSize)
	}
	if s.Size != nil && *s.Size == "dynamic" {
		return nil
	}
	if m.seg.size, err = parseU64(s.Size, "segment size"); err != nil {
		return err
	}
	if m.seg.size%int64(s.SectorSize) != 0 || m.seg.size > devSize-m.seg.offset {
		return corrupt("segment size %d at offset %d on a %d-byte device", m.seg.size, m.seg.offset, devSize)
	}
	return nil
}

func (m *metadata) parseKeyslots(kss map[string]json.RawMessage, hdrSize int64) error {
	if len(kss) > maxKeyslots {
		return corrupt("%d keyslots", len(kss))
	}
	for _, name := range sortedKeys(kss) {
		raw := kss[name]
		id, err := parseID(name, "keyslot", maxKeyslots)
		if err != nil {
			return err
		}
		ks, err := parseKeyslot(raw, id)
		if err != nil {
			return err
		}
		m.keyslots = append(m.keyslots, ks)
	}
	slices.SortFunc(m.keyslots, func(a, b keyslot) int { return a.id - b.id })
	// Areas lie in the keyslots area, aligned, and do not overlap.
	lo, hi := 2*hdrSize, 2*hdrSize+m.keyslotsSize
	areas := make([]keyslot, len(m.keyslots))
	copy(areas, m.keyslots)
	slices.SortFunc(areas, func(a, b keyslot) int { return cmp.Compare(a.areaOffset, b.areaOffset) })
	prevEnd := lo
	for _, ks := range areas {
		if ks.areaOffset < prevEnd || ks.areaSize > hi-ks.areaOffset {
			return corrupt("keyslot %d area [%d, +%d) outside [%d, %d) or overlapping", ks.id, ks.areaOffset, ks.areaSize, prevEnd, hi)
		}
		prevEnd = ks.areaOffset + ks.areaSize
	}
	return nil
}

func parseKeyslot(raw json.RawMessage, id int) (keyslot, error) {
	var j jsKeyslot
	if err := decodeTyped(raw, "luks2", &j, fmt.Sprintf("keyslot %d", id)); err != nil {
		return keyslot{}, err
	}
	if j.KeySize == nil || j.AF == nil || j.Area == nil || j.KDF == nil {
		return keyslot{}, corrupt("keyslot %d lacks key_size, af, area or kdf", id)
	}
	ks := keyslot{id: id, priority: 1, digest: -1}
	if *j.KeySize != keySize {
		return keyslot{}, unsupported("keyslot %d key_size %d (only %d)", id, *j.KeySize, keySize)
	}
	if j.Priority != nil {
		if *j.Priority < 0 || *j.Priority > 2 {
			return keyslot{}, corrupt("keyslot %d priority %d", id, *j.Priority)
		}
		ks.priority = *j.Priority
	}
	if j.AF.Type != "luks1" {
		return keyslot{}, unsupported("keyslot %d af type %q (only luks1)", id, j.AF.Type)
	}
	if j.AF.Stripes != afStripes {
		return keyslot{}, unsupported("keyslot %d af stripes %d (only %d)", id, j.AF.Stripes, afStripes)
	}
	if _, ok := hashByName(j.AF.Hash); !ok {
		return keyslot{}, unsupported("keyslot %d af hash %q", id, j.AF.Hash)
	}
	ks.afHash = j.AF.Hash
	a := j.Area
	if a.Type != "raw" || a.Encryption != "aes-xts-plain64" || a.KeySize != keySize {
		return keyslot{}, unsupported("keyslot %d area %q %q key_size %d (only raw aes-xts-plain64 %d)", id, a.Type, a.Encryption, a.KeySize, keySize)
	}
	var err error
	if ks.areaOffset, err = parseU64(a.Offset, "keyslot area offset"); err != nil {
		return keyslot{}, err
	}
	if ks.areaSize, err = parseU64(a.Size, "keyslot area size"); err != nil {
		return keyslot{}, err
	}
	if ks.areaOffset%areaAlign != 0 || ks.areaSize%areaAlign != 0 || ks.areaSize < afSize {
		return keyslot{}, corrupt("keyslot %d area offset %d size %d (want multiples of %d, size at least %d)", id, ks.areaOffset, ks.areaSize, areaAlign, afSize)
	}
	if err := ks.parseKDF(j.KDF); err != nil {
		return keyslot{}, err
	}
	return ks, nil
}

func (ks *keyslot) parseKDF(k *jsKDF) error {
	if len(k.Salt) < 8 || len(k.Salt) > 64 {
		return corrupt("keyslot %d kdf salt of %d bytes", ks.id, len(k.Salt))
	}
	ks.salt = k.Salt
	switch k.Type {
	case "pbkdf2":
		if _, ok := hashByName(k.Hash); !ok {
			return unsupported("keyslot %d pbkdf2 hash %q", ks.id, k.Hash)
		}
		if k.Iterations < 1 || k.Iterations > maxIterations {
			return corrupt("keyslot %d pbkdf2 iterations %d", ks.id, k.Iterations)
		}
		ks.kdf, ks.kdfHash, ks.iterations = PBKDF2, k.Hash, int(k.Iterations)
	case "argon2id", "argon2i":
		if k.Time < 1 || k.Time > maxArgonTime || k.Memory < minArgonMemKiB || k.Memory > maxArgonMemKiB || k.CPUs < 1 || k.CPUs > maxArgonThreads || k.Memory < 8*k.CPUs {
			return corrupt("keyslot %d %s time %d memory %d cpus %d", ks.id, k.Type, k.Time, k.Memory, k.CPUs)
		}
		ks.kdf = Argon2id
		if k.Type == "argon2i" {
			ks.kdf = Argon2i
		}
		ks.timeCost, ks.memoryKiB, ks.threads = int(k.Time), int(k.Memory), int(k.CPUs)
	default:
		return unsupported("keyslot %d kdf type %q", ks.id, k.Type)
	}
	return nil
}

func (m *metadata) parseDigests(dgs map[string]json.RawMessage) error {
	if len(dgs) > maxDigests {
		return corrupt("%d digests", len(dgs))
	}
	for _, name := range sortedKeys(dgs) {
		raw := dgs[name]
		id, err := parseID(name, "digest", maxDigests)
		if err != nil {
			return err
		}
		var j jsDigest
		if err := decodeTyped(raw, "pbkdf2", &j, fmt.Sprintf("digest %d", id)); err != nil {
			return err
		}
		d := digest{id: id, hash: j.Hash, salt: j.Salt, value: j.Digest}
		newHash, ok := hashByName(j.Hash)
		if !ok {
			return unsupported("digest %d hash %q", id, j.Hash)
		}
		if j.Iterations < 1 || j.Iterations > maxIterations {
			return corrupt("digest %d iterations %d", id, j.Iterations)
		}
		d.iterations = int(j.Iterations)
		if len(d.salt) < 8 || len(d.salt) > 64 {
			return corrupt("digest %d salt of %d bytes", id, len(d.salt))
		}
		if n := len(d.value); n != newHash().Size() && n != 20 {
			return corrupt("digest %d of %d bytes", id, n)
		}
		if j.Keyslots == nil || j.Segments == nil {
			return corrupt("digest %d lacks keyslots or segments", id)
		}
		if d.keyslots, err = m.refs(j.Keyslots, "keyslot", fmt.Sprintf("digest %d", id)); err != nil {
			return err
		}
		for _, s := range j.Segments {
			if s != "0" {
				return corrupt("digest %d names segment %q", id, s)
			}
			d.segments = append(d.segments, 0)
		}
		for _, k := range d.keyslots {
			i := m.keyslotIndex(k)
			if m.keyslots[i].digest >= 0 {
				return corrupt("keyslot %d assigned to two digests", k)
			}
			m.keyslots[i].digest = id
		}
		m.digests = append(m.digests, d)
	}
	bound := 0
	for _, d := range m.digests {
		if len(d.segments) > 0 {
			bound++
		}
	}
	if bound > 1 {
		return corrupt("%d digests bound to segment 0", bound)
	}
	for _, ks := range m.keyslots {
		if ks.digest < 0 {
			return corrupt("keyslot %d is not assigned to a digest", ks.id)
		}
	}
	slices.SortFunc(m.digests, func(a, b digest) int { return a.id - b.id })
	return nil
}

// refs resolves a list of keyslot names that must all exist, once each.
func (m *metadata) refs(names []string, what, owner string) ([]int, error) {
	if len(names) > maxKeyslots {
		return nil, corrupt("%s lists %d keyslots", owner, len(names))
	}
	var ids []int
	for _, n := range names {
		id, err := parseID(n, what, maxKeyslots)
		if err != nil {
			return nil, err
		}
		if m.keyslotIndex(id) < 0 || slices.Contains(ids, id) {
			return nil, corrupt("%s names keyslot %q that does not exist or twice", owner, n)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (m *metadata) parseTokens(tks map[string]json.RawMessage) error {
	if len(tks) > maxTokens {
		return corrupt("%d tokens", len(tks))
	}
	// Tokens are kept as they are and never used to unlock (cryptsetup
	// ignores them too when given a passphrase); they must still name
	// existing keyslots, as cryptsetup checks.
	for _, name := range sortedKeys(tks) {
		raw := tks[name]
		id, err := parseID(name, "token", maxTokens)
		if err != nil {
			return err
		}
		var j jsToken
		if err := decodeTyped(raw, "", &j, fmt.Sprintf("token %d", id)); err != nil {
			return err
		}
		if j.Keyslots == nil {
			return corrupt("token %d lacks keyslots", id)
		}
		if _, err := m.refs(j.Keyslots, "keyslot", fmt.Sprintf("token %d", id)); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys returns the names of an object in order, so that which error
// a header gets never depends on map iteration order.
func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (m *metadata) keyslotIndex(id int) int {
	for i := range m.keyslots {
		if m.keyslots[i].id == id {
			return i
		}
	}
	return -1
}

func (m *metadata) digestByID(id int) *digest {
	for i := range m.digests {
		if m.digests[i].id == id {
			return &m.digests[i]
		}
	}
	return nil
}

// segmentDigest returns the digest bound to segment 0, or nil.
func (m *metadata) segmentDigest() *digest {
	for i := range m.digests {
		if len(m.digests[i].segments) > 0 {
			return &m.digests[i]
		}
	}
	return nil
}

// openOrder returns the keyslots that can open segment 0, high priority
// first, skipping priority 0 ("ignore") as cryptsetup does.
func (m *metadata) openOrder() []keyslot {
	var out []keyslot
	for _, prio := range []int{2, 1} {
		for _, ks := range m.keyslots {
			if ks.priority == prio && len(m.digestByID(ks.digest).segments) > 0 {
				out = append(out, ks)
			}
		}
	}
	return out
}
