package disk

import (
	"errors"
	"fmt"
	"io/fs"
)

// Sentinel errors of the file system ([Format], [Mount] and the methods of
// [FileSystem]). Errors about one path are *[fs.PathError] values wrapping
// one of these; match them with [errors.Is]. [ErrNotExist], [ErrExist] and
// [ErrInvalidPath] also match the corresponding [io/fs] sentinels.
var (
	// ErrNoFileSystem reports a device that holds no file system of this
	// package: blank (all zeros), random or otherwise unrecognized content.
	// High-entropy content (random bytes, or an encrypted volume whose header
	// was not recognized) is reported with this error too.
	ErrNoFileSystem = errors.New("disk: no file system")

	// ErrEncryptedVolume reports a device whose first sectors hold an
	// encrypted-volume header (LUKS, BitLocker, or this package's guest
	// volume): the file system inside can only be reached by unlocking the
	// volume with its key (the BEK of Azure Disk Encryption, a Key Vault
	// secret: FACTS F63, F65).
	ErrEncryptedVolume = errors.New("disk: encrypted volume: needs its key")

	// ErrCorrupt reports a file system whose on-disk structures are damaged:
	// a bad checksum, an inconsistent field, a block owned twice, a file whose
	// data no longer matches its checksum. The message names the first
	// problem found.
	ErrCorrupt = errors.New("disk: file system damaged")

	// ErrInvalidPath reports a path that breaks the path rules of
	// [FileSystem] (it also matches [fs.ErrInvalid]).
	ErrInvalidPath = fmt.Errorf("disk: invalid path (%w)", fs.ErrInvalid)

	// ErrNotExist reports a file or folder that does not exist (it also
	// matches [fs.ErrNotExist]).
	ErrNotExist = fmt.Errorf("disk: %w", fs.ErrNotExist)

	// ErrExist reports a name that is already taken (it also matches
	// [fs.ErrExist]).
	ErrExist = fmt.Errorf("disk: %w", fs.ErrExist)

	// ErrNotDir reports a path whose parent, or which itself, is a file where
	// a folder is needed.
	ErrNotDir = errors.New("disk: not a directory")

	// ErrIsDir reports a folder where a file is needed.
	ErrIsDir = errors.New("disk: is a directory")

	// ErrNotEmpty reports the removal of a folder that still has entries.
	ErrNotEmpty = errors.New("disk: directory not empty")

	// ErrNoSpace reports a file system (or device) with too few free blocks
	// or free inodes for the operation.
	ErrNoSpace = errors.New("disk: no space left on device")

	// ErrFileTooLarge reports a file that would exceed the maximum file size
	// of the file system (1 GiB).
	ErrFileTooLarge = errors.New("disk: file too large")
)
