package disk_test

import (
	"errors"
	"fmt"

	"github.com/atrest-sim/atrest/disk"
)

// ExampleFormat formats a sparse 1 TiB disk, writes /data/customers.csv and
// reads it back, from the mounted file system and after a fresh Mount.
func ExampleFormat() {
	media, _ := disk.NewMedia(512, 1<<31) // 1 TiB, sparse: costs what is written
	fsys, err := disk.Format(media, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := fsys.WriteFile("/data/customers.csv", []byte("id,name\n1,Alice\n2,Bob\n")); err != nil {
		fmt.Println(err)
		return
	}
	_ = fsys.AppendFile("/data/customers.csv", []byte("3,Carol\n"))

	again, err := disk.Mount(media)
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := again.ReadFile("/data/customers.csv")
	fmt.Printf("%s", data)
	entries, _ := again.ReadDir("/data")
	for _, e := range entries {
		fmt.Println(e.Name, e.Size, e.IsDir)
	}
	_, err = again.ReadFile("/data/orders.csv")
	fmt.Println(errors.Is(err, disk.ErrNotExist), err)
	fmt.Println("check:", again.Check())

	_, err = disk.Mount(mustMedia(512, 1<<20)) // never formatted
	fmt.Println(err)
	// Output:
	// id,name
	// 1,Alice
	// 2,Bob
	// 3,Carol
	// customers.csv 30 false
	// true read /data/orders.csv: disk: file does not exist
	// check: <nil>
	// disk: mount: disk: no file system (blank device: all zeros)
}

func mustMedia(sectorSize int, sectors uint64) *disk.Media {
	m, err := disk.NewMedia(sectorSize, sectors)
	if err != nil {
		panic(err)
	}
	return m
}
