//! The sandbox portal's service catalog. Codes marked `real` are the portal's own; the rest are
//! sandbox codes until the real ones are known.

/// One service the sandbox portal offers.
pub struct SandboxService {
    pub code: &'static str,
    pub title: &'static str,
    pub agency: &'static str,
    /// Whether `code` is the real portal's service code.
    pub real: bool,
}

const fn service(
    code: &'static str,
    title: &'static str,
    agency: &'static str,
    real: bool,
) -> SandboxService {
    SandboxService {
        code,
        title,
        agency,
        real,
    }
}

pub const SERVICES: &[SandboxService] = &[
    service("10000000109", "Доставка пенсии", "СФР", true),
    service("10000000110", "Назначение пенсии", "СФР", true),
    service("60080315", "Ежегодная семейная выплата", "СФР", true),
    service(
        "10000000804",
        "Регистрация транспортного средства",
        "МВД",
        true,
    ),
    service(
        "10000001101",
        "Оформление загранпаспорта нового образца",
        "МВД",
        false,
    ),
    service("10000001201", "Оплата штрафов ГИБДД", "Штрафы", false),
    service(
        "10000001301",
        "Регистрация индивидуального предпринимателя",
        "ФНС",
        false,
    ),
    service(
        "10000001302",
        "Получение налогового вычета за лечение и обучение",
        "ФНС",
        false,
    ),
    service(
        "10000001401",
        "Выписка из ЕГРН о недвижимости",
        "Росреестр",
        false,
    ),
    service("10000001501", "Запись на приём к врачу", "Минздрав", false),
    service("10000001601", "Пособие по безработице", "Минтруд", false),
    service(
        "10000001701",
        "Обращение о нарушении прав потребителей",
        "Роспотребнадзор",
        false,
    ),
    service(
        "10000001801",
        "Запись ребёнка в первый класс",
        "Минпросвещения",
        false,
    ),
];

pub fn find(code: &str) -> Option<&'static SandboxService> {
    SERVICES.iter().find(|service| service.code == code)
}
