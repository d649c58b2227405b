use super::*;
use std::io::Read;

fn header(name: &[u8], kind: Kind, size: u64, link: &[u8]) -> Header {
    Header {
        name: name.to_vec(),
        kind,
        mode: 0o4755,
        uid: 1000,
        gid: 1001,
        size,
        mtime: 1_500_000_000,
        link: link.to_vec(),
    }
}

#[test]
fn what_we_write_we_read_back_long_names_included() {
    let long = vec![b'n'; 250];
    let entries = vec![
        (header(b"top/", Kind::Dir, 0, b""), Vec::new()),
        (header(&long, Kind::File, 5, b""), b"hello".to_vec()),
        (header(b"top/l", Kind::Symlink, 0, &long), Vec::new()),
        (header(b"top/fifo", Kind::Fifo, 0, b""), Vec::new()),
    ];
    let mut w = Writer::new(Vec::new());
    for (h, data) in &entries {
        w.header(h).unwrap();
        w.content_writer().write_all(data).unwrap();
        w.end_content(h.size).unwrap();
    }
    let bytes = w.finish().unwrap();
    assert_eq!(bytes.len() % BLOCK, 0);
    let mut r = Reader::new(&bytes[..]);
    for (h, data) in &entries {
        assert_eq!(&r.next_header().unwrap().unwrap(), h);
        let mut got = Vec::new();
        r.content(h.size, &mut got).unwrap();
        assert_eq!(&got, data);
    }
    assert!(r.next_header().unwrap().is_none());
}

#[test]
fn the_tar_crate_reads_what_we_write() {
    let long = format!("top/{}", "d".repeat(150));
    let mut w = Writer::new(Vec::new());
    w.header(&header(long.as_bytes(), Kind::File, 3, b""))
        .unwrap();
    w.content_writer().write_all(b"abc").unwrap();
    w.end_content(3).unwrap();
    w.header(&header(b"top/h", Kind::HardLink, 0, long.as_bytes()))
        .unwrap();
    let bytes = w.finish().unwrap();
    let mut a = ::tar::Archive::new(&bytes[..]);
    let mut it = a.entries().unwrap();
    let mut e = it.next().unwrap().unwrap();
    assert_eq!(e.path_bytes().as_ref(), long.as_bytes());
    assert_eq!(e.header().mode().unwrap(), 0o4755);
    assert_eq!(e.header().mtime().unwrap(), 1_500_000_000);
    let mut s = String::new();
    e.read_to_string(&mut s).unwrap();
    assert_eq!(s, "abc");
    let e = it.next().unwrap().unwrap();
    assert_eq!(e.header().entry_type(), ::tar::EntryType::Link);
    assert_eq!(e.link_name_bytes().unwrap().as_ref(), long.as_bytes());
    assert!(it.next().is_none());
}

#[test]
fn we_read_what_the_library_packs_gnu_and_pax() {
    let long = "p".repeat(180);
    let mut b = ::tar::Builder::new(Vec::new());
    let mut h = ::tar::Header::new_gnu();
    h.set_size(2);
    h.set_mode(0o640);
    h.set_mtime(7);
    b.append_data(&mut h, format!("t/{long}"), &b"hi"[..])
        .unwrap();
    let mut h = ::tar::Header::new_gnu();
    h.set_entry_type(::tar::EntryType::Symlink);
    h.set_size(0);
    b.append_link(&mut h, "t/link", format!("/{long}")).unwrap();
    let mut h = ::tar::Header::new_ustar();
    h.set_entry_type(::tar::EntryType::Directory);
    h.set_size(0);
    b.append_pax_extensions([("path", format!("t/{long}/pax").as_bytes())])
        .unwrap();
    b.append_data(&mut h, "t/short", &b""[..]).unwrap();
    let bytes = b.into_inner().unwrap();
    let mut r = Reader::new(&bytes[..]);
    let f = r.next_header().unwrap().unwrap();
    assert_eq!(
        (f.name, f.kind, f.mode, f.mtime),
        (format!("t/{long}").into_bytes(), Kind::File, 0o640, 7)
    );
    let mut got = Vec::new();
    r.content(f.size, &mut got).unwrap();
    assert_eq!(got, b"hi");
    let l = r.next_header().unwrap().unwrap();
    assert_eq!(
        (l.kind, l.link),
        (Kind::Symlink, format!("/{long}").into_bytes())
    );
    let d = r.next_header().unwrap().unwrap();
    assert_eq!(
        (d.kind, d.name),
        (Kind::Dir, format!("t/{long}/pax").into_bytes())
    );
}

#[test]
fn big_sizes_use_base_256() {
    let mut field = [0u8; 12];
    put_number(&mut field, 9 << 30);
    assert!(field[0] & 0x80 != 0);
    assert_eq!(number(&field).unwrap(), 9 << 30);
    put_number(&mut field, 0o777);
    assert_eq!(&field, b"00000000777\0");
    assert_eq!(number(b"  755 \0").unwrap(), 0o755);
}

#[test]
fn damage_is_an_error() {
    let mut w = Writer::new(Vec::new());
    w.header(&header(b"f", Kind::File, 600, b"")).unwrap();
    w.content_writer().write_all(&[1u8; 600]).unwrap();
    w.end_content(600).unwrap();
    let mut bytes = w.finish().unwrap();
    let mut r = Reader::new(&bytes[..700]);
    let h = r.next_header().unwrap().unwrap();
    assert!(r.content(h.size, &mut io::sink()).is_err(), "cut short");
    bytes[0] = b'g';
    assert!(Reader::new(&bytes[..]).next_header().is_err(), "checksum");
    assert!(Reader::new(&[][..]).next_header().is_err(), "empty");
}
