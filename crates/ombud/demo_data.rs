//! The demo's reference data (DOMAIN §11): respondents across Jawa Barat with their own
//! superiors, grouped by kind with the mix of the office's reports, complaint texts that fit
//! each kind of agency (each with its form of maladministration), names, and the closing notes
//! that fit each closure ground.

/// A kind of respondent, with its weight in the mix (percent) and the complaints it gets.
pub(crate) struct AgencyKind {
    /// Weight in the mix of reports.
    pub weight: u32,
    /// The agencies: (code, name, superior).
    pub agencies: &'static [(&'static str, &'static str, &'static str)],
    /// Complaints: (form, text).
    pub complaints: &'static [(&'static str, &'static str)],
}

/// The mix: pemda first, police 10–17%, BPN 7–13%, BUMD/BUMN ~8%, Pemprov 7–20%, schools.
pub(crate) const KINDS: &[AgencyKind] = &[
    AgencyKind {
        weight: 16,
        agencies: &[
            ("disdukcapil-kota-tasikmalaya", "Dinas Kependudukan dan Pencatatan Sipil Kota Tasikmalaya", "Wali Kota Tasikmalaya"),
            ("disdukcapil-kota-bandung", "Dinas Kependudukan dan Pencatatan Sipil Kota Bandung", "Wali Kota Bandung"),
            ("disdukcapil-kabupaten-bogor", "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bogor", "Bupati Bogor"),
            ("disdukcapil-kota-depok", "Dinas Kependudukan dan Pencatatan Sipil Kota Depok", "Wali Kota Depok"),
            ("disdukcapil-kabupaten-garut", "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Garut", "Bupati Garut"),
        ],
        complaints: &[
            ("undue_delay", "KTP-el pelapor belum terbit walaupun sudah lebih dari tiga bulan sejak perekaman."),
            ("undue_delay", "Akta kelahiran anak pelapor tidak kunjung selesai tanpa kejelasan waktu."),
            ("improper_request_for_payment", "Petugas meminta uang Rp150.000 agar KTP-el dicetak hari itu juga."),
            ("failure_to_serve", "Pelapor ditolak mengurus pindah domisili karena blanko disebut habis selama sebulan."),
            ("undue_delay", "Perbaikan data Kartu Keluarga pelapor tertahan dua bulan tanpa pemberitahuan."),
            ("procedural_deviation", "Pelapor diminta surat pengantar RT/RW yang tidak dipersyaratkan untuk akta kematian."),
        ],
    },
    AgencyKind {
        weight: 12,
        agencies: &[
            ("rsud-dr-soekardjo", "RSUD dr. Soekardjo Kota Tasikmalaya", "Wali Kota Tasikmalaya"),
            ("rsud-dr-slamet-garut", "RSUD dr. Slamet Kabupaten Garut", "Bupati Garut"),
            ("rsud-kota-bekasi", "RSUD dr. Chasbullah Abdulmadjid Kota Bekasi", "Wali Kota Bekasi"),
            ("rsud-cibinong", "RSUD Cibinong Kabupaten Bogor", "Bupati Bogor"),
        ],
        complaints: &[
            ("procedural_deviation", "Pasien BPJS diminta membeli obat sendiri di luar rumah sakit."),
            ("failure_to_serve", "Pasien peserta BPJS ditolak rawat inap dengan alasan kamar penuh padahal tersedia."),
            ("improper_request_for_payment", "Keluarga pasien BPJS diminta membayar biaya darah tanpa kuitansi resmi."),
            ("undue_delay", "Klaim rujukan BPJS pasien tertunda sehingga operasi diundur tiga kali."),
            ("improper_conduct", "Petugas IGD membentak keluarga pasien yang menanyakan antrean."),
        ],
    },
    AgencyKind {
        weight: 10,
        agencies: &[
            ("kelurahan-yudanagara", "Kelurahan Yudanagara", "Camat Cihideung"),
            ("kelurahan-empangsari", "Kelurahan Empangsari", "Camat Tawang"),
            ("kecamatan-cihideung", "Kecamatan Cihideung", "Wali Kota Tasikmalaya"),
            ("desa-cibiru-wetan", "Desa Cibiru Wetan", "Bupati Bandung"),
            ("dinsos-kabupaten-bandung", "Dinas Sosial Kabupaten Bandung", "Bupati Bandung"),
        ],
        complaints: &[
            ("undue_delay", "Surat keterangan tidak mampu untuk berobat tidak diterbitkan selama tiga minggu."),
            ("discrimination", "Pelapor tidak dimasukkan dalam daftar penerima bansos padahal memenuhi syarat."),
            ("improper_request_for_payment", "Perangkat desa meminta uang administrasi untuk surat keterangan usaha."),
            ("failure_to_serve", "Kantor kelurahan tutup pada jam layanan selama beberapa hari tanpa pengumuman."),
            ("partiality", "Penyaluran bantuan sosial diutamakan bagi kerabat perangkat kelurahan."),
        ],
    },
    AgencyKind {
        weight: 8,
        agencies: &[
            ("disdik-kota-bandung", "Dinas Pendidikan Kota Bandung", "Wali Kota Bandung"),
            ("sman-1-tasikmalaya", "SMA Negeri 1 Tasikmalaya", "Kepala Dinas Pendidikan Provinsi Jawa Barat"),
            ("smpn-3-bekasi", "SMP Negeri 3 Kota Bekasi", "Kepala Dinas Pendidikan Kota Bekasi"),
        ],
        complaints: &[
            ("improper_request_for_payment", "Sekolah memungut uang gedung dari orang tua siswa baru tanpa dasar peraturan."),
            ("procedural_deviation", "Calon siswa zonasi ditolak dalam PPDB walaupun jarak rumah memenuhi ketentuan."),
            ("undue_delay", "Ijazah siswa ditahan sekolah karena tunggakan iuran komite."),
            ("conflict_of_interest", "Guru mewajibkan siswa membeli buku dari penerbit tertentu melalui koperasi sekolah."),
        ],
    },
    AgencyKind {
        weight: 6,
        agencies: &[
            ("dishub-kota-tasikmalaya", "Dinas Perhubungan Kota Tasikmalaya", "Wali Kota Tasikmalaya"),
            ("dlh-kota-depok", "Dinas Lingkungan Hidup dan Kebersihan Kota Depok", "Wali Kota Depok"),
            ("dpmptsp-kabupaten-bekasi", "DPMPTSP Kabupaten Bekasi", "Bupati Bekasi"),
        ],
        complaints: &[
            ("abuse_of_authority", "Kendaraan pelapor diderek tanpa surat tilang dan tanpa penjelasan dasar hukumnya."),
            ("failure_to_serve", "Sampah di lingkungan pelapor tidak diangkut selama tiga minggu meski sudah dilaporkan."),
            ("undue_delay", "Persetujuan bangunan gedung pelapor belum terbit lima bulan setelah berkas lengkap."),
            ("incompetence", "Petugas tidak dapat menjelaskan persyaratan izin usaha melalui OSS."),
        ],
    },
    AgencyKind {
        weight: 13,
        agencies: &[
            ("polresta-bandung", "Polresta Bandung", "Kepala Kepolisian Daerah Jawa Barat"),
            ("polres-tasikmalaya-kota", "Polres Tasikmalaya Kota", "Kepala Kepolisian Daerah Jawa Barat"),
            ("polres-metro-bekasi", "Polres Metro Bekasi", "Kepala Kepolisian Daerah Metro Jaya"),
            ("polres-garut", "Polres Garut", "Kepala Kepolisian Daerah Jawa Barat"),
        ],
        complaints: &[
            ("undue_delay", "Laporan polisi pelapor tentang penipuan tidak ada perkembangan penyidikan selama enam bulan."),
            ("improper_request_for_payment", "Pelapor diminta uang untuk mempercepat penerbitan SKCK."),
            ("procedural_deviation", "Pelapor tidak menerima SP2HP atas laporan yang diajukannya."),
            ("abuse_of_authority", "Petugas menahan STNK pelapor tanpa surat tilang."),
        ],
    },
    AgencyKind {
        weight: 10,
        agencies: &[
            ("bpn-kota-bekasi", "Kantor Pertanahan Kota Bekasi", "Kepala Kantor Wilayah BPN Provinsi Jawa Barat"),
            ("bpn-kabupaten-bogor", "Kantor Pertanahan Kabupaten Bogor", "Kepala Kantor Wilayah BPN Provinsi Jawa Barat"),
            ("bpn-kota-tasikmalaya", "Kantor Pertanahan Kota Tasikmalaya", "Kepala Kantor Wilayah BPN Provinsi Jawa Barat"),
        ],
        complaints: &[
            ("undue_delay", "Sertipikat tanah pelapor belum terbit lebih dari satu tahun setelah pengukuran."),
            ("undue_delay", "Permohonan balik nama sertipikat pelapor tidak selesai melewati standar waktu PTSL."),
            ("improper_request_for_payment", "Petugas ukur meminta biaya transport di luar PNBP yang resmi."),
            ("procedural_deviation", "Sertipikat pengganti diterbitkan tanpa pengumuman sebagaimana mestinya."),
        ],
    },
    AgencyKind {
        weight: 8,
        agencies: &[
            ("pln-up3-tasikmalaya", "PT PLN (Persero) UP3 Tasikmalaya", "Direktur Utama PT PLN (Persero)"),
            ("pdam-tirtawening", "Perumda Air Minum Tirtawening Kota Bandung", "Wali Kota Bandung"),
            ("bpjs-kesehatan-bekasi", "BPJS Kesehatan Cabang Bekasi", "Direktur Utama BPJS Kesehatan"),
        ],
        complaints: &[
            ("failure_to_serve", "Aliran listrik rumah pelapor diputus walaupun tagihan sudah dibayar."),
            ("undue_delay", "Pemasangan sambungan air baru pelapor tertunda empat bulan setelah pembayaran."),
            ("improper_conduct", "Petugas meter datang tanpa identitas dan mengancam memutus aliran."),
            ("failure_to_serve", "Kepesertaan BPJS pelapor dinonaktifkan tanpa pemberitahuan."),
        ],
    },
    AgencyKind {
        weight: 12,
        agencies: &[
            ("bapenda-jawa-barat", "Badan Pendapatan Daerah Provinsi Jawa Barat", "Gubernur Jawa Barat"),
            ("samsat-bandung-barat", "Samsat Bandung Barat", "Kepala Bapenda Provinsi Jawa Barat"),
            ("disdik-jawa-barat", "Dinas Pendidikan Provinsi Jawa Barat", "Gubernur Jawa Barat"),
            ("dinkes-jawa-barat", "Dinas Kesehatan Provinsi Jawa Barat", "Gubernur Jawa Barat"),
        ],
        complaints: &[
            ("undue_delay", "Pengembalian kelebihan bayar pajak kendaraan pelapor tidak diproses."),
            ("improper_request_for_payment", "Pelapor diminta biaya cek fisik kendaraan di luar tarif resmi Samsat."),
            ("failure_to_serve", "Pengaduan PPDB SMA pelapor tidak ditanggapi oleh kanal pengaduan provinsi."),
            ("incompetence", "Petugas tidak dapat menjelaskan dasar penetapan tunggakan pajak kendaraan."),
        ],
    },
];

/// Reporters' names (sealed in the events).
pub(crate) const NAMES: &[&str] = &[
    "Asep Saepudin",
    "Siti Aminah",
    "Dede Kurniawan",
    "Euis Rohaeti",
    "Ujang Sopandi",
    "Neneng Hasanah",
    "Yayan Suryana",
    "Rina Marlina",
    "Agus Setiawan",
    "Lilis Suryani",
    "Cecep Hidayat",
    "Wawan Gunawan",
    "Iis Dahlia",
    "Dadang Sudrajat",
    "Nining Kurniasih",
    "Budi Santoso",
    "Ai Nurhayati",
    "Engkos Kosasih",
    "Popon Rohayati",
    "Tatang Sutarman",
];

/// Consultations (KNL): questions answered at the desk.
pub(crate) const CONSULTATIONS: &[&str] = &[
    "Pelapor menanyakan cara mengadukan pungutan di sekolah anaknya.",
    "Pelapor berkonsultasi tentang syarat pengurusan sertipikat tanah warisan.",
    "Pelapor menanyakan apakah Ombudsman dapat membantu sengketa utang-piutang pribadi.",
    "Pelapor meminta informasi prosedur keberatan atas tagihan PDAM.",
    "Pelapor berkonsultasi tentang penolakan klaim BPJS Ketenagakerjaan.",
    "Pelapor menanyakan standar waktu penerbitan akta kelahiran.",
];

/// Carbon copies (tembusan) of letters sent to agencies.
pub(crate) const CARBON_COPIES: &[&str] = &[
    "Tembusan surat warga kepada Bupati Bogor tentang jalan desa yang rusak.",
    "Tembusan surat keberatan kepada Kantor Pertanahan atas pengukuran ulang.",
    "Tembusan surat LSM kepada Dinas Kesehatan tentang antrean puskesmas.",
];

/// Rapid responses (RCO): urgent matters.
pub(crate) const RAPID: &[(&str, &str)] = &[
    (
        "failure_to_serve",
        "Pasien gawat darurat ditolak IGD dengan alasan tidak membawa kartu BPJS.",
    ),
    (
        "failure_to_serve",
        "Warga korban banjir belum menerima bantuan logistik tiga hari setelah kejadian.",
    ),
    (
        "undue_delay",
        "Jenazah pasien tertahan di rumah sakit karena keluarga belum melunasi biaya.",
    ),
];

/// The closing note that fits a ground.
pub(crate) fn closing_note(reason: &str) -> &'static str {
    match reason {
        "consultation_only" => "Pelapor telah mendapat penjelasan; bukan laporan.",
        "carbon_copy_filed" => "Tembusan dicatat dan diarsipkan.",
        "rco_resolved" => "Terlapor segera memberikan layanan setelah dihubungi tim RCO.",
        "incomplete_deemed_withdrawn" => "Pelapor tidak melengkapi laporan dalam 30 hari.",
        "withdrawn_by_reporter" => "Pelapor mencabut laporan secara tertulis.",
        "time_barred" => "Peristiwa terjadi lebih dari dua tahun sebelum laporan diterima.",
        "duplicate" => "Substansi sama dengan laporan yang sedang ditangani.",
        "transferred_out" => "Laporan diteruskan kepada instansi yang berwenang.",
        "no_prior_complaint" => "Pelapor belum menyampaikan keberatan kepada Terlapor.",
        "sub_judice" => "Perkara sedang diperiksa di pengadilan.",
        "agency_still_handling" => "Terlapor masih memproses keberatan pelapor dalam tenggat.",
        "resolved_by_respondent" => "Pelapor telah memperoleh penyelesaian dari Terlapor.",
        "outside_competence" => "Substansi laporan bukan kewenangan Ombudsman.",
        "settled_by_mediation" => "Para pihak sepakat dalam mediasi; kesepakatan dilaksanakan.",
        "no_maladministration" => "Tidak ditemukan maladministrasi sebagaimana LHP.",
        "examination_stopped" => "Pemeriksaan dihentikan sebagaimana LHP.",
        "corrective_action_implemented" => "Terlapor telah melaksanakan seluruh tindakan korektif.",
        "resolved_in_resolution" => "Diselesaikan pada tahap Resolusi dan Monitoring.",
        "recommendation_implemented" => "Rekomendasi telah dilaksanakan seluruhnya.",
        "recommendation_partly_implemented" => "Rekomendasi dilaksanakan sebagian.",
        _ => "Rekomendasi tidak dilaksanakan; dilaporkan sesuai Pasal 38 ayat (4).",
    }
}
